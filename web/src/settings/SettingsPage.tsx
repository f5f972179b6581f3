/** 密钥与回调: the enterprise's API keys and webhooks. */
import { Route, Switch, useLocation } from 'wouter';
import { useT } from '../i18n/index.tsx';
import { Page, Tabs } from '../ui/index.tsx';
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
      <Tabs
        label={t('title')}
        tabs={[
          { href: '/', label: t('tabKeys'), active: !hooks, testId: 'tab-keys' },
          { href: '/webhooks', label: t('tabWebhooks'), active: hooks, testId: 'tab-webhooks' },
        ]}
      />
      <Switch>
        <Route path="/webhooks" component={Webhooks} />
        <Route component={ApiKeys} />
      </Switch>
    </Page>
  );
}
