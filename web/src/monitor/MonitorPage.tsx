/**
 * 统计监测: the zone's figures for the operator and regulators — tiles, a period selector and
 * charts, live over the statistics stream: numbers move as declarations and receipts arrive.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { Chart, type ChartOption } from '../charts/Chart.tsx';
import { useFormat, useLang, useT } from '../i18n/index.tsx';
import { DataTable, Loaded, Page, Stat } from '../ui/index.tsx';
import { countryLabel } from '../ui/countries.ts';
import { statusNames } from '../ui/messages.ts';
import { chapters, m, rejectionCodes } from './messages.ts';
import { bars, overTime, REJECTED_COLOR, ring } from './options.ts';
import { WINDOWS, type Snapshot, type WindowName } from './types.ts';
import { useLiveStats } from './useLiveStats.ts';
import './monitor.css';

const WINDOW_KEY = { '1h': 'w1h', '24h': 'w24h', '7d': 'w7d', '30d': 'w30d' } as const;
const MODE_KEY: Record<string, 'mode9610' | 'mode1210' | 'mode9710' | 'mode9810'> = { '9610': 'mode9610', '1210': 'mode1210', '9710': 'mode9710', '9810': 'mode9810' };
const has = <T extends object>(table: T, key: string): key is Extract<keyof T, string> => Object.hasOwn(table, key);

export default function MonitorPage() {
  const t = useT(m);
  const [period, setPeriod] = useState<WindowName>('1h');
  const { snapshot, live, error } = useLiveStats(period);
  return (
    <Page
      title={t('title')}
      actions={
        <>
          <div className="segmented" role="group" aria-label={t('window')}>
            {WINDOWS.map((w) => (
              <button key={w} type="button" className={w === period ? 'on' : ''} aria-pressed={w === period} onClick={() => setPeriod(w)} data-testid={`window-${w}`}>
                {t(WINDOW_KEY[w])}
              </button>
            ))}
          </div>
          <span className={`badge live-badge ${live ? 'ok' : 'warn'}`} data-testid="live" data-live={live} role="status" title={t('liveHint')}>
            {live ? `● ${t('live')}` : t('offline')}
          </span>
        </>
      }
    >
      <Loaded state={{ data: snapshot, error }}>{(s) => <Figures s={s} />}</Loaded>
    </Page>
  );
}

function Figures({ s }: { s: Snapshot }) {
  const t = useT(m);
  const st = useT(statusNames);
  const ch = useT(chapters);
  const rc = useT(rejectionCodes);
  const f = useFormat();
  const { lang } = useLang();
  const percent = useMemo(() => new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }), [lang]);
  const time = useMemo(() => {
    const fmt = new Intl.DateTimeFormat(lang, s.granularity === 'day' ? { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit' } : { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false });
    return (iso: string) => fmt.format(new Date(iso));
  }, [lang, s.granularity]);
  const rate = (r: number | null) => (r === null ? t('noRate') : percent.format(r));
  const ms = (n: number | null) => (n === null ? t('noRate') : t('ms', { n }));
  const modeName = (mode: string) => (has(MODE_KEY, mode) ? t(MODE_KEY[mode]) : t('modeOther'));
  const statusName = (x: string) => (has(statusNames['zh-CN'], x) ? st(x) : x);
  const chapterName = (c: string) => (has(chapters['zh-CN'], c) ? `${c} ${ch(c)}` : c);

  const options = useMemo(() => {
    const countries = (list: Snapshot['topOrigins'], name: string) => bars(list.map((x) => countryLabel(x.country, lang)), list.map((x) => x.count), name, { horizontal: true });
    return {
      overTime: overTime(s, { declarations: t('seriesDeclarations'), value: t('seriesValue') }, time),
      byMode: bars(s.byMode.map((x) => modeName(x.mode)), s.byMode.map((x) => x.count), t('byMode'), { horizontal: true }),
      byDirection: ring(s.byDirection.map((x) => ({ name: x.direction === 'export' ? t('export') : t('import'), value: x.count })), t('byDirection')),
      byStatus: bars(s.byStatus.map((x) => statusName(x.status)), s.byStatus.map((x) => x.count), t('byStatus'), { horizontal: true }),
      origins: countries(s.topOrigins, t('topOrigins')),
      destinations: countries(s.topDestinations, t('topDestinations')),
      hs: bars(s.topHsChapters.map((x) => chapterName(x.chapter)), s.topHsChapters.map((x) => x.count), t('topHs'), { horizontal: true }),
    };
    // Labels follow the language; the snapshot is a new object whenever the figures change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s, lang, time]);

  return (
    <>
      <div className="stats">
        <Stat testId="stat-declarations" label={t('declarations')} value={f.number(s.totals.declarations)} />
        <Stat testId="stat-value" label={t('value')} value={f.yuan(s.totals.valueFen)} />
        <Stat testId="stat-release-rate" label={t('releaseRate')} value={rate(s.totals.releaseRate)} />
        <Stat testId="stat-rejection-rate" label={t('rejectionRate')} value={rate(s.totals.rejectionRate)} />
        <Stat testId="stat-p50" label={t('p50')} value={ms(s.latency.p50Ms)} />
        <Stat testId="stat-p99" label={t('p99')} value={ms(s.latency.p99Ms)} />
        <Stat testId="stat-queue" label={t('queue')} value={f.number(s.queueDepth)} />
      </div>
      <p className="muted small">
        {t('finished', { released: s.totals.released, rejected: s.totals.rejected })}
        {s.totals.unpricedLines > 0 ? ` · ${t('valueNote', { n: s.totals.unpricedLines })}` : ''}
      </p>
      <section className="card">
        <h2>{t('overTime')}</h2>
        <Chart option={options.overTime} label={t('overTimeLabel')} testId="chart-over-time" />
      </section>
      <div className="grid">
        <ChartCard name="byMode" option={options.byMode} empty={!s.totals.inventories} testId="chart-mode" />
        <ChartCard name="byDirection" option={options.byDirection} empty={!s.totals.declarations} testId="chart-direction" />
        <ChartCard name="byStatus" option={options.byStatus} bars={s.byStatus.length} testId="chart-status" />
        <ChartCard name="topOrigins" option={options.origins} bars={s.topOrigins.length} testId="chart-origins" />
        <ChartCard name="topDestinations" option={options.destinations} bars={s.topDestinations.length} testId="chart-destinations" />
        <ChartCard name="topHs" option={options.hs} bars={s.topHsChapters.length} testId="chart-hs" />
      </div>
      <Card title={t('topRejections')} empty={!s.topRejections.length}>
        <DataTable
          testId="rejections"
          head={[t('code'), t('meaning'), t('reason'), t('times')]}
          rows={s.topRejections}
          row={(r) => (
            <tr key={`${r.code}|${r.reason}`}>
              <td>
                <code style={{ color: REJECTED_COLOR }}>{r.code}</code>
              </td>
              <td>{has(rejectionCodes['zh-CN'], r.code) ? rc(r.code) : t('noRate')}</td>
              <td>{r.reason}</td>
              <td>{f.number(r.count)}</td>
            </tr>
          )}
        />
      </Card>
    </>
  );
}

/** A chart in its card: as tall as its `bars` need (a fixed height without them); "none" in its place when there is nothing to draw. */
function ChartCard({ name, option, empty, bars, testId }: { name: 'byMode' | 'byDirection' | 'byStatus' | 'topOrigins' | 'topDestinations' | 'topHs'; option: ChartOption; empty?: boolean; bars?: number; testId: string }) {
  const t = useT(m);
  return (
    <Card title={t(name)} empty={empty ?? !bars}>
      <Chart option={option} label={t(`${name}Label`)} height={bars === undefined ? 240 : Math.max(200, bars * 28)} testId={testId} />
    </Card>
  );
}

function Card({ title, empty, children }: { title: string; empty: boolean; children: ReactNode }) {
  const t = useT(m);
  return (
    <section className="card">
      <h2>{title}</h2>
      {empty ? <p className="muted">{t('none')}</p> : children}
    </section>
  );
}
