/** The frame of every page: brand, navigation by role, language switch, account. */
import { Suspense, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { LANGS, useLang, useT } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { common, roles as roleNames } from './messages.ts';
import { ROUTES } from './routes.tsx';
import { Loading } from '../ui/index.tsx';

export function visible(routeRoles: string[] | undefined, sessionRoles: string[] | undefined): boolean {
  if (!routeRoles) return true;
  return !!sessionRoles && sessionRoles.some((r) => routeRoles.includes(r));
}

export function Shell({ children }: { children: ReactNode }) {
  const t = useT(common);
  const r = useT(roleNames);
  const { lang, setLang } = useLang();
  const { session, logout } = useSession();
  const [location] = useLocation();
  const navs = ROUTES.filter((x) => x.nav && (x.public || session) && visible(x.roles, session?.enterprise.roles));
  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t('skip')}
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          <span className="brand-name">{t('brand')}</span>
          <span className="brand-sub">{t('brandSub')}</span>
        </Link>
        <nav aria-label={t('menu')} className="nav">
          {navs.map((x) => (
            <Link key={x.path} href={x.path} className={location === x.path || location.startsWith(x.path + '/') ? 'active' : ''} aria-current={location === x.path ? 'page' : undefined}>
              {t(x.nav!)}
            </Link>
          ))}
        </nav>
        <div className="account">
          <div className="lang" role="group" aria-label={t('language')}>
            {LANGS.map((l) => (
              <button key={l} type="button" className={l === lang ? 'on' : ''} aria-pressed={l === lang} onClick={() => setLang(l)} data-testid={`lang-${l}`}>
                {l === 'zh-CN' ? '中文' : 'EN'}
              </button>
            ))}
          </div>
          {session ? (
            <>
              <span className="who" title={session.enterprise.name}>
                {session.account.displayName || session.account.username} · {session.enterprise.roles.map((x) => r(x as keyof (typeof roleNames)['zh-CN'])).join('/')}
              </span>
              <button type="button" onClick={() => void logout()}>
                {t('logout')}
              </button>
            </>
          ) : session === null ? (
            <Link href="/login">{t('login')}</Link>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{children}</Suspense>
      </main>
    </div>
  );
}
