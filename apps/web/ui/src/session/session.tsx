import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { configureApi } from '../api/client';

export type Role = 'admin' | 'staff' | 'auditor' | 'resident';

/** What the page knows about the signed-in caller, read from the token's claims (the services verify it). */
export interface Session {
  readonly token: string;
  readonly sub: string;
  readonly roles: readonly Role[];
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Set for a voting-code token: it may only cast and read this ballot. */
  readonly votingCode?: { readonly roundId: string; readonly unitId: string; readonly pseudonym: string };
}

const STORAGE_KEY = 'plaza.session';

export function decodeToken(token: string): Session {
  const [, payload] = token.split('.');
  if (!payload) throw new Error('not a JWT');
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
  const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as {
    sub?: string;
    roles?: unknown;
    exp?: number;
    votingCode?: Session['votingCode'];
  };
  const roles = (Array.isArray(claims.roles) ? claims.roles : []).filter((r): r is Role =>
    ['admin', 'staff', 'auditor', 'resident'].includes(r as string),
  );
  return {
    token,
    sub: claims.sub ?? '',
    roles,
    expiresAt: (claims.exp ?? 0) * 1000,
    ...(claims.votingCode ? { votingCode: claims.votingCode } : {}),
  };
}

function load(): Session | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const session = decodeToken(raw);
    return session.expiresAt > Date.now() ? session : undefined;
  } catch {
    return undefined;
  }
}

interface SessionContextValue {
  readonly session: Session | undefined;
  /** Keep a token the services issued (dev identity provider or voting-code sign-in). */
  signIn(token: string): Session;
  signOut(): void;
  hasRole(...roles: Role[]): boolean;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | undefined>(load);

  const signOut = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    setSession(undefined);
  }, []);

  const signIn = useCallback((token: string) => {
    const next = decodeToken(token);
    localStorage.setItem(STORAGE_KEY, token);
    setSession(next);
    return next;
  }, []);

  // Every API call carries the current token; a 401 on a signed-in call ends the session.
  configureApi(() => session?.token, signOut);

  useEffect(() => {
    if (!session) return;
    const left = session.expiresAt - Date.now();
    const timer = setTimeout(signOut, Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [session, signOut]);

  useEffect(() => {
    // Sign-in or sign-out in another tab.
    const onStorage = (e: StorageEvent) => {
      if (e.key === STORAGE_KEY) setSession(load());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const value = useMemo<SessionContextValue>(
    () => ({
      session,
      signIn,
      signOut,
      hasRole: (...roles: Role[]) => !!session && roles.some((r) => session.roles.includes(r)),
    }),
    [session, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
