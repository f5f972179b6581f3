/** The filing review queue: pending filings first, filtered by status and role. */
import { useState } from 'react';
import { Link } from 'wouter';
import { api, query } from '../api.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { DataTable, FilterSelect, Loaded, useLoad } from '../ui/index.tsx';
import { roles as roleNames } from '../app/messages.ts';
import { m, statuses } from './messages.ts';
import { ROLES, STATUSES, known, type Enterprise, type Status } from './types.ts';

const RANK: Record<Status, number> = { pending: 0, rejected: 1, suspended: 2, approved: 3, revoked: 4 };
const BADGE: Record<Status, string> = { pending: 'warn', approved: 'ok', rejected: 'bad', suspended: 'warn', revoked: 'bad' };

export function StatusBadge({ status }: { status: Status }) {
  const s = useT(statuses);
  return <span className={`badge ${BADGE[status] ?? ''}`}>{known(s, statuses['zh-CN'], status)}</span>;
}

export default function Filings() {
  const t = useT(m);
  const s = useT(statuses);
  const r = useT(roleNames);
  const f = useFormat();
  const [status, setStatus] = useState<string>('pending');
  const [role, setRole] = useState<string>('');
  const list = useLoad((signal) => api<{ enterprises: Enterprise[]; total: number }>('GET', `/api/v1/enterprises${query({ status, role, limit: 500 })}`, { signal }), [status, role]);
  // Pending first, then newest first within a status.
  const ordered = (items: Enterprise[]) => [...items].sort((a, b) => RANK[a.status] - RANK[b.status] || b.createdAt.localeCompare(a.createdAt));

  return (
    <section className="card">
      <p className="muted">{t('queueHint')}</p>
      <div className="toolbar">
        <FilterSelect label={t('status')} value={status} onChange={setStatus} options={STATUSES.map((x) => ({ value: x, label: s(x) }))} testId="filing-status-filter" />
        <FilterSelect label={t('role')} value={role} onChange={setRole} options={ROLES.map((x) => ({ value: x, label: r(x) }))} />
      </div>
      <Loaded state={list}>
        {(data) => (
          <>
            <p className="muted small" role="status">
              {t('filingCount', { n: data.total })}
            </p>
            <DataTable
              testId="filing-queue"
              head={[t('code'), t('name'), t('roles'), t('status'), t('createdAt')]}
              rows={ordered(data.enterprises)}
              empty={<p>{t('noFilings')}</p>}
              row={(e) => (
                <tr key={e.id} data-testid={`filing-${e.code}`}>
                  <td>
                    <code>{e.code}</code>
                  </td>
                  <td>
                    <Link href={`/filings/${e.id}`}>{e.name}</Link>
                  </td>
                  <td>{e.roles.map((x) => known(r, roleNames['zh-CN'], x)).join(' / ')}</td>
                  <td>
                    <StatusBadge status={e.status} />
                  </td>
                  <td>{f.dateTime(e.createdAt)}</td>
                </tr>
              )}
            />
          </>
        )}
      </Loaded>
    </section>
  );
}
