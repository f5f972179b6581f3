import { useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { m } from './messages.ts';
import { useSession } from '../session.tsx';
import { ErrorNote, Page } from '../ui/index.tsx';


export default function LoginPage() {
  const t = useT(m);
  const { login } = useSession();
  const [, navigate] = useLocation();
  const search = useSearch();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const next = new URLSearchParams(search).get('next');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const known = error instanceof ApiError && (error.status === 401 || error.status === 423);
  return (
    <Page title={t('title')}>
      <form className="card login" onSubmit={(e) => void submit(e)} aria-busy={busy}>
        <label>
          {t('username')}
          <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        </label>
        <label>
          {t('password')}
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {known ? (
          <p className="error-note" role="alert">
            {(error as ApiError).status === 423 ? t('locked') : t('wrong')}
          </p>
        ) : (
          <ErrorNote error={error} />
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('busy') : t('submit')}
        </button>
        <p className="muted small">{t('demoHint')}</p>
      </form>
    </Page>
  );
}
