/** The filing review queue: pending filings first, filtered by status and role. */
import { useState } from 'react';
import { Link } from 'wouter';
import { api, query } from '../api.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { ErrorNote, Loading, useLoad } from '../ui/index.tsx';
import { common, roles as roleNames } from '../app/messages.ts';
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
  const c = useT(common);
  const s = useT(statuses);
  const r = useT(roleNames);
  const f = useFormat();
  const [status, setStatus] = useState<string>('pending');
  const [role, setRole] = useState<string>('');
  const list = useLoad((signal) => api<{ enterprises: Enterprise[]; total: number }>('GET', `/api/v1/enterprises${query({ status, role, limit: 500 })}`, { signal }), [status, role]);
  // Pending first, then newest first within a status.
  const rows = [...(list.data?.enterprises ?? [])].sort((a, b) => RANK[a.status] - RANK[b.status] || b.createdAt.localeCompare(a.createdAt));

  return (
    <section className="card">
      <p className="muted">{t('queueHint')}</p>
      <div className="toolbar">
        <label>
          {t('status')}
          <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="filing-status-filter">
            <option value="">{c('all')}</option>
            {STATUSES.map((x) => (
              <option key={x} value={x}>
                {s(x)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('role')}
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">{c('all')}</option>
            {ROLES.map((x) => (
              <option key={x} value={x}>
                {r(x)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={list.error} onRetry={list.reload} />
      {!list.data ? (
        list.error ? null : <Loading />
      ) : (
        <>
          <p className="muted small" role="status">
            {t('filingCount', { n: list.data.total })}
          </p>
          {rows.length === 0 ? (
            <p>{t('noFilings')}</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="filing-queue">
                <thead>
                  <tr>
                    <th scope="col">{t('code')}</th>
                    <th scope="col">{t('name')}</th>
                    <th scope="col">{t('roles')}</th>
                    <th scope="col">{t('status')}</th>
                    <th scope="col">{t('createdAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((e) => (
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
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
