/** 申报工作台: the list of declarations, submitting, and one message in detail. */
import { Route, Switch, useLocation } from 'wouter';
import { useT } from '../i18n/index.tsx';
import { Page, Tabs } from '../ui/index.tsx';
import DeclarationList from './DeclarationList.tsx';
import MessageDetail from './MessageDetail.tsx';
import SubmitPanel from './SubmitPanel.tsx';
import { wb } from './messages.ts';
import './workbench.css';

export default function WorkbenchPage() {
  const t = useT(wb);
  const [location] = useLocation();
  const submitting = location.startsWith('/submit');
  return (
    <Page title={t('title')}>
      <Tabs
        label={t('title')}
        tabs={[
          { href: '/', label: t('tabList'), active: !submitting, page: location === '/', testId: 'tab-list' },
          { href: '/submit', label: t('tabSubmit'), active: submitting, testId: 'tab-submit' },
        ]}
      />
      <Switch>
        <Route path="/submit" component={SubmitPanel} />
        <Route path="/messages/:id" component={MessageDetail} />
        <Route component={DeclarationList} />
      </Switch>
    </Page>
  );
}
