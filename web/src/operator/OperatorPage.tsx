/** 运营管理: the zone operator's pages — filing review, tax rates, positive list, sandbox scenarios. */
import { Redirect, Route, Switch, useLocation } from 'wouter';
import { useT } from '../i18n/index.tsx';
import { Page, Tabs } from '../ui/index.tsx';
import { m } from './messages.ts';
import Filings from './Filings.tsx';
import FilingDetail from './FilingDetail.tsx';
import Tariff from './Tariff.tsx';
import Sandbox from './Sandbox.tsx';

const TABS = [
  { path: '/filings', label: 'tabFilings' },
  { path: '/rates', label: 'tabRates' },
  { path: '/positive-list', label: 'tabPositive' },
  { path: '/sandbox', label: 'tabSandbox' },
] as const;

export default function OperatorPage() {
  const t = useT(m);
  const [location] = useLocation();
  const current = TABS.find((x) => location === x.path || location.startsWith(x.path + '/'));
  return (
    <Page title={current ? `${t(current.label)} · ${t('title')}` : t('title')}>
      <Tabs label={t('tabs')} tabs={TABS.map((x) => ({ href: x.path, label: t(x.label), active: current === x }))} />
      <Switch>
        <Route path="/filings" component={Filings} />
        <Route path="/filings/:id">{(p) => <FilingDetail id={Number(p.id)} />}</Route>
        <Route path="/rates">{() => <Tariff key="rates" kind="rates" />}</Route>
        <Route path="/positive-list">{() => <Tariff key="positive" kind="positive" />}</Route>
        <Route path="/sandbox" component={Sandbox} />
        <Route>
          <Redirect to="/filings" replace />
        </Route>
      </Switch>
    </Page>
  );
}
