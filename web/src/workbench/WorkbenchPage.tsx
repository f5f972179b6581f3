/** 申报工作台: the list of declarations, submitting, and one message in detail. */
import { Link, Route, Switch, useLocation } from 'wouter';
import { useT } from '../i18n/index.tsx';
import { Page } from '../ui/index.tsx';
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
      <nav className="tabs" aria-label={t('title')}>
        <Link href="/" className={!submitting ? 'active' : ''} aria-current={location === '/' ? 'page' : undefined} data-testid="tab-list">
          {t('tabList')}
        </Link>
        <Link href="/submit" className={submitting ? 'active' : ''} aria-current={submitting ? 'page' : undefined} data-testid="tab-submit">
          {t('tabSubmit')}
        </Link>
      </nav>
      <Switch>
        <Route path="/submit" component={SubmitPanel} />
        <Route path="/messages/:id" component={MessageDetail} />
        <Route component={DeclarationList} />
      </Switch>
    </Page>
  );
}
