/** Who is logged in: the console session (cookie), its enterprise and roles, login and logout. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken } from './api.ts';

export interface Session {
  account: { id: number; enterpriseId: number; username: string; displayName: string };
  enterprise: { id: number; code: string; name: string; roles: string[]; status: string };
  csrfToken: string;
  expiresAt: string;
}

interface SessionState {
  /** undefined while the first check runs. */
  session: Session | null | undefined;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** The session ended on the server (401): back to the login page. */
  expired(): void;
}

const SessionContext = createContext<SessionState | null>(null);

export const REGULATOR_ROLES = ['customs', 'commerce'];

export function hasRole(session: Session | null | undefined, ...roles: string[]): boolean {
  return !!session && session.enterprise.roles.some((r) => roles.includes(r));
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const adopt = useCallback((s: Session | null) => {
    setCsrfToken(s?.csrfToken ?? null);
    setSession(s);
  }, []);
  useEffect(() => {
    api<Session | undefined>('GET', '/api/v1/session?optional=true').then(
      (s) => adopt(s ?? null),
      (err: unknown) => {
        if (!(err instanceof ApiError) || err.status !== 401) console.warn('session check failed', err);
        adopt(null);
      },
    );
  }, [adopt]);
  const login = useCallback(async (username: string, password: string) => adopt(await api<Session>('POST', '/api/v1/session', { body: { username, password } })), [adopt]);
  const logout = useCallback(async () => {
    await api('DELETE', '/api/v1/session').catch(() => undefined);
    adopt(null);
  }, [adopt]);
  const expired = useCallback(() => adopt(null), [adopt]);
  const value = useMemo(() => ({ session, login, logout, expired }), [session, login, logout, expired]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
