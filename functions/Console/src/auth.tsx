// Sign-in state: the API key lives in sessionStorage only (journeys.apiKey); the role comes from GET /api/me.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, getMe, loadApiKey, onUnauthorized, storeApiKey, type Me, type Role } from './api';

interface AuthState {
  me: Me | null;
  /** True while a stored key is checked on load. */
  checking: boolean;
  /** Why the user is on the sign-in page (e.g. the key stopped working). */
  notice: string | null;
  signIn: (key: string) => Promise<void>;
  signOut: (notice?: string) => void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState<boolean>(() => loadApiKey() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((why?: string) => {
    storeApiKey(null);
    setMe(null);
    setNotice(why ?? null);
  }, []);

  useEffect(() => {
    onUnauthorized(() => signOut('Your API key was not accepted (401). Please sign in again.'));
    return () => onUnauthorized(null);
  }, [signOut]);

  useEffect(() => {
    const key = loadApiKey();
    if (!key) return;
    getMe(key)
      .then((m) => setMe(m))
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) signOut('Unknown API key');
        else setNotice(e instanceof ApiError ? `${e.problem.title ?? 'Error'}${e.problem.detail ? ': ' + e.problem.detail : ''}` : String(e));
      })
      .finally(() => setChecking(false));
  }, [signOut]);

  const signIn = useCallback(async (key: string) => {
    // Throws ApiError (401: unknown key); the sign-in page shows it.
    const m = await getMe(key);
    storeApiKey(key);
    setNotice(null);
    setMe(m);
  }, []);

  const value = useMemo(() => ({ me, checking, notice, signIn, signOut }), [me, checking, notice, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

export type Section = 'templates' | 'test' | 'journeys' | 'analytics' | 'tasks' | 'mailbox';

export const SECTIONS: { id: Section; label: string; roles: Role[] }[] = [
  { id: 'templates', label: 'Templates', roles: ['admin', 'marketing'] },
  { id: 'test', label: 'Test a template', roles: ['admin', 'marketing'] },
  { id: 'journeys', label: 'Journeys', roles: ['admin', 'dealer'] },
  { id: 'analytics', label: 'Analytics', roles: ['admin', 'marketing'] },
  { id: 'tasks', label: 'Tasks', roles: ['admin', 'dealer'] },
  { id: 'mailbox', label: 'Mailbox', roles: ['admin', 'dealer'] },
];

export function canSee(role: Role, section: Section): boolean {
  return SECTIONS.some((s) => s.id === section && s.roles.includes(role));
}

export function signedInAs(me: Me): string {
  return me.role === 'dealer' ? `dealer ${me.dealerId ?? ''}`.trim() : me.role;
}
