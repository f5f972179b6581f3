import { Component, StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { LangProvider, useT } from './i18n/index.tsx';
import { SessionProvider, useSession } from './session.tsx';
import { Shell, visible } from './app/Shell.tsx';
import { common } from './app/messages.ts';
import { ROUTES, type RouteDef } from './app/routes.tsx';
import LoginPage from './login/LoginPage.tsx';
import { Loading, Page } from './ui/index.tsx';
import './styles.css';

class ErrorBoundary extends Component<{ children: ReactNode; fallback: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(err: unknown) {
    console.warn('page failed', err);
  }
  override render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

function Unexpected() {
  const t = useT(common);
  return (
    <Page title={t('errorTitle')}>
      <p role="alert">{t('unexpected')}</p>
    </Page>
  );
}

/** A page that needs a session (and maybe a role): otherwise to the login page, or a refusal. */
function Guarded({ route }: { route: RouteDef }) {
  const t = useT(common);
  const { session } = useSession();
  const [location] = useLocation();
  const Page_ = route.component;
  if (!route.public) {
    if (session === undefined) return <Loading />;
    if (session === null) return <Redirect to={`/login?next=${encodeURIComponent(location)}`} replace />;
    if (!visible(route.roles, session.enterprise.roles)) {
      return (
        <Page title={t(route.nav)}>
          <p role="alert">{t('forbidden')}</p>
        </Page>
      );
    }
  }
  return (
    <ErrorBoundary key={route.path} fallback={<Unexpected />}>
      <Page_ />
    </ErrorBoundary>
  );
}

/** `/`: the first page this user may open; the public pages before login. */
function Home() {
  const { session } = useSession();
  if (session === undefined) return <Loading />;
  if (!session) return <Redirect to="/login" replace />;
  const first = ROUTES.find((r) => !r.public && visible(r.roles, session.enterprise.roles)) ?? ROUTES.find((r) => visible(r.roles, session.enterprise.roles));
  return <Redirect to={first?.path ?? '/status'} replace />;
}

function NotFound() {
  const t = useT(common);
  return (
    <Page title={t('notFound')}>
      <p>{t('notFoundHint')}</p>
      <Link href="/">{t('home')}</Link>
    </Page>
  );
}

function App() {
  return (
    <LangProvider>
      <SessionProvider>
        <Shell>
          <Switch>
            <Route path="/" component={Home} />
            <Route path="/login" component={LoginPage} />
            {ROUTES.map((r) => (
              <Route key={r.path} path={r.path} nest>
                <Guarded route={r} />
              </Route>
            ))}
            <Route component={NotFound} />
          </Switch>
        </Shell>
      </SessionProvider>
    </LangProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
