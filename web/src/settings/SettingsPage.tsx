/** 密钥与回调: the enterprise's API keys and webhooks. */
import { Link, Route, Switch, useLocation } from 'wouter';
import { useT } from '../i18n/index.tsx';
import { Page } from '../ui/index.tsx';
import { ApiKeys } from './ApiKeys.tsx';
import { st } from './messages.ts';
import { Webhooks } from './Webhooks.tsx';
import './settings.css';

export default function SettingsPage() {
  const t = useT(st);
  const [location] = useLocation();
  const hooks = location.startsWith('/webhooks');
  return (
    <Page title={t('title')}>
      <nav className="tabs" aria-label={t('title')}>
        <Link href="/" className={!hooks ? 'active' : ''} aria-current={!hooks ? 'page' : undefined} data-testid="tab-keys">
          {t('tabKeys')}
        </Link>
        <Link href="/webhooks" className={hooks ? 'active' : ''} aria-current={hooks ? 'page' : undefined} data-testid="tab-webhooks">
          {t('tabWebhooks')}
        </Link>
      </nav>
      <Switch>
        <Route path="/webhooks" component={Webhooks} />
        <Route component={ApiKeys} />
      </Switch>
    </Page>
  );
}
