/**
 * 系统状态: the public status page — receipt latency, declarations per minute, the queue to
 * customs, uptime. No login, no enterprise data; refreshed every few seconds.
 */
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { Loading, Page, Stat } from '../ui/index.tsx';
import { m } from './messages.ts';

interface Latency {
  p50Ms: number | null;
  p99Ms: number | null;
  count: number;
}

interface PublicStatus {
  status: string;
  generatedAt: string;
  uptimeSeconds: number;
  database: string;
  queueDepth: number;
  latency: { last5m: Latency; last1h: Latency };
  declarationsLastHour: number;
  declarationsPerMinute: Array<{ t: string; count: number }>;
}

const REFRESH_MS = 5000;

export default function StatusPage() {
  const t = useT(m);
  const f = useFormat();
  const [state, setState] = useState<{ status?: PublicStatus; failed: boolean }>({ failed: false });

  useEffect(() => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const status = await api<PublicStatus>('GET', '/api/v1/status', { signal: ac.signal });
        setState({ status, failed: false });
      } catch {
        if (ac.signal.aborted) return;
        setState((s) => ({ ...s, failed: true }));
      }
      if (!ac.signal.aborted) timer = setTimeout(() => void poll(), REFRESH_MS);
    };
    void poll();
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, []);

  const s = state.status;
  const ms = (n: number | null) => (n === null ? t('none') : t('ms', { n: f.number(n) }));
  const uptime = (sec: number) => {
    const d = Math.floor(sec / 86_400);
    const h = Math.floor((sec % 86_400) / 3600);
    const min = Math.floor((sec % 3600) / 60);
    if (d) return t('days', { d, h });
    if (h) return t('hours', { h, m: min });
    return t('minutes', { m: min, s: sec % 60 });
  };

  return (
    <Page title={t('title')} actions={s && !state.failed ? <span className="badge ok" role="status" data-testid="status-ok">{`● ${t('operational')}`}</span> : null}>
      <p className="muted">{t('intro')}</p>
      {state.failed ? (
        <p className="error-note" role="alert">
          {t('unreachable')}
        </p>
      ) : null}
      {!s ? (
        state.failed ? null : <Loading />
      ) : (
        <>
          <div className="stats">
            <Stat testId="status-p50-5m" label={t('p50short')} value={ms(s.latency.last5m.p50Ms)} />
            <Stat testId="status-p99-5m" label={t('p99short')} value={ms(s.latency.last5m.p99Ms)} />
            <Stat testId="status-p50-1h" label={t('p50hour')} value={ms(s.latency.last1h.p50Ms)} />
            <Stat testId="status-p99-1h" label={t('p99hour')} value={ms(s.latency.last1h.p99Ms)} />
            <Stat testId="status-last-hour" label={t('lastHour')} value={f.number(s.declarationsLastHour)} />
            <Stat testId="status-queue" label={t('queue')} value={f.number(s.queueDepth)} />
            <Stat testId="status-uptime" label={t('uptime')} value={uptime(s.uptimeSeconds)} />
            <Stat testId="status-database" label={t('database')} value={s.database === 'postgres' ? t('postgres') : s.database === 'sqlite' ? t('sqlite') : s.database} />
          </div>
          <section className="card">
            <h2>{t('perMinute')}</h2>
            <PerMinute points={s.declarationsPerMinute} label={(last, max) => t('perMinuteLabel', { last, max })} />
            <p className="muted small">
              {t('answers', { n: s.latency.last1h.count })} · {t('updated', { at: f.dateTime(s.generatedAt) })}
            </p>
          </section>
        </>
      )}
    </Page>
  );
}

/** Bars of the counts per minute, oldest left, as a plain SVG: the public page loads no chart library. */
function PerMinute({ points, label }: { points: Array<{ t: string; count: number }>; label: (last: number, max: number) => string }) {
  const max = Math.max(1, ...points.map((p) => p.count));
  const w = 600;
  const h = 90;
  const step = w / Math.max(1, points.length);
  const last = points.at(-1)?.count ?? 0;
  return (
    <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={label(last, max)} data-testid="per-minute" style={{ width: '100%', height: 120, display: 'block' }}>
      <line x1={0} y1={h - 0.5} x2={w} y2={h - 0.5} stroke="#dde1e7" />
      {points.map((p, i) => {
        const bar = p.count ? Math.max(2, (p.count / max) * (h - 6)) : 0;
        return <rect key={p.t} x={i * step + 1} y={h - bar} width={Math.max(1, step - 2)} height={bar} fill="#0f5fb8" />;
      })}
    </svg>
  );
}
