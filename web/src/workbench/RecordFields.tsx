/** A record as declared (JSON form): the head's fields, then each list as a table. */
import { useT } from '../i18n/index.tsx';
import { wb } from './messages.ts';
import { headOf, type Node } from './model.ts';

const text = (v: unknown) => (typeof v === 'string' ? v : '');

export function RecordFields({ node }: { node: Node }) {
  const t = useT(wb);
  const head = headOf(node);
  const scalars = Object.entries(head).filter(([, v]) => typeof v === 'string') as Array<[string, string]>;
  // Lists sit beside the head (InventoryList…) or inside a flat record.
  const lists = Object.entries(node === head ? head : node).filter(([, v]) => Array.isArray(v) || (v && typeof v === 'object' && v !== head)) as Array<[string, Node | Node[]]>;
  return (
    <details className="wb-fields">
      <summary>{t('fields')}</summary>
      <dl className="wb-dl wb-dl-fields" aria-label={t('head')}>
        {scalars.map(([k, v]) => (
          <div key={k}>
            <dt>
              <code>{k}</code>
            </dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {lists.map(([name, value]) => {
        const rows = Array.isArray(value) ? value : [value];
        const cols = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] === 'string')))];
        return (
          <div key={name} className="table-wrap">
            <table>
              <caption>{t('lines', { name, n: rows.length })}</caption>
              <thead>
                <tr>
                  {cols.map((c) => (
                    <th key={c} scope="col">
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    {cols.map((c) => (
                      <td key={c}>{text(r[c])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </details>
  );
}
