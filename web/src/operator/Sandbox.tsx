/** The sandbox customs' scenario rules: shown as a table, exported and imported as the rules file's JSON. */
import { useState, type FormEvent } from 'react';
import { api, download } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { ErrorNote, Loading, useLoad } from '../ui/index.tsx';
import { m, scenarios } from './messages.ts';
import { known } from './types.ts';

interface Rule {
  match: { field: string; prefix: string; messageType?: string };
  scenario: string;
}

export default function Sandbox() {
  const t = useT(m);
  const sc = useT(scenarios);
  const rules = useLoad((signal) => api<Rule[]>('GET', '/api/v1/sandbox/scenarios', { signal }), []);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [replaced, setReplaced] = useState<number | null>(null);

  async function upload(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setReplaced(null);
    try {
      const now = await api<Rule[]>('PUT', '/api/v1/sandbox/scenarios', { raw: { data: file, type: 'application/json' } });
      setReplaced(now.length);
      rules.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <section className="card">
        <p className="muted">{t('sandboxHint')}</p>
        <div className="toolbar">
          <button type="button" onClick={() => void download('/api/v1/sandbox/scenarios', 'sandbox-scenarios.json').catch(setError)} disabled={!rules.data} data-testid="scenarios-export">
            {t('exportJson')}
          </button>
        </div>
        <ErrorNote error={rules.error} onRetry={rules.reload} />
        {!rules.data ? (
          rules.error ? null : <Loading />
        ) : rules.data.length === 0 ? (
          <p data-testid="scenarios-empty">{t('noRules')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="scenarios-table">
              <thead>
                <tr>
                  <th scope="col">{t('ruleNo')}</th>
                  <th scope="col">{t('field')}</th>
                  <th scope="col">{t('prefix')}</th>
                  <th scope="col">{t('messageType')}</th>
                  <th scope="col">{t('scenario')}</th>
                </tr>
              </thead>
              <tbody>
                {rules.data.map((r, i) => (
                  <tr key={i}>
                    <td>{i + 1}</td>
                    <td>
                      <code>{r.match.field}</code>
                    </td>
                    <td>
                      <code>{r.match.prefix}</code>
                    </td>
                    <td>{r.match.messageType ? <code>{r.match.messageType}</code> : t('anyType')}</td>
                    <td>
                      {known(sc, scenarios['zh-CN'], r.scenario)} <code className="muted small">{r.scenario}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <form className="card" onSubmit={(e) => void upload(e)} aria-busy={busy} aria-labelledby="scenarios-import">
        <h2 id="scenarios-import">{t('importJson')}</h2>
        <p className="muted small">{t('importJsonHint')}</p>
        <div className="toolbar">
          <label>
            {t('jsonFile')}
            <input type="file" accept=".json,application/json" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="scenarios-file" />
          </label>
          <button type="submit" className="primary" disabled={busy || !file}>
            {busy ? t('importing') : t('upload')}
          </button>
        </div>
        <ErrorNote error={error} />
        {replaced !== null ? (
          <p role="status" data-testid="scenarios-replaced">
            {t('replaced', { n: replaced })}
          </p>
        ) : null}
      </form>
    </>
  );
}
