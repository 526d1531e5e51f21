import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { configureApi } from '../api/client';
import { userManager } from './oidc';

export type Role = 'admin' | 'staff' | 'auditor' | 'resident';

/** What the page knows about the signed-in caller, read from the token's claims (the services verify it). */
export interface Session {
  readonly token: string;
  readonly sub: string;
  readonly roles: readonly Role[];
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Where the token came from: the OpenID Connect provider, or Plaza (a voting code, the development sign-in). */
  readonly via: 'oidc' | 'plaza';
  /** Set for a voting-code token: it may only cast and read this ballot. */
  readonly votingCode?: { readonly roundId: string; readonly unitId: string; readonly pseudonym: string };
}

/** In sessionStorage: this tab only, gone when it closes; never localStorage, where any later script or person could find it. */
const STORAGE_KEY = 'plaza.session';
/** Tells the other tabs of this origin that the person signed out. */
const CHANNEL = 'plaza.session';
const ALL_ROLES: readonly Role[] = ['admin', 'staff', 'auditor', 'resident'];

/** A claim by exact name (namespaced names contain dots and colons), else by dotted path (`realm_access.roles`). */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let node: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

export function decodeToken(token: string, via: Session['via'] = 'plaza', rolesClaim = 'roles'): Session {
  const [, payload] = token.split('.');
  if (!payload) throw new Error('not a JWT');
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
  const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
  const raw = claimAt(claims, via === 'oidc' ? rolesClaim : 'roles');
  const list = typeof raw === 'string' ? raw.split(/[\s,]+/) : Array.isArray(raw) ? raw : [];
  const roles = ALL_ROLES.filter((r) => list.includes(r));
  const votingCode = via === 'plaza' ? (claims.votingCode as Session['votingCode']) : undefined;
  return {
    token,
    sub: typeof claims.sub === 'string' ? claims.sub : '',
    roles,
    expiresAt: (typeof claims.exp === 'number' ? claims.exp : 0) * 1000,
    via,
    ...(votingCode ? { votingCode } : {}),
  };
}

interface Stored {
  readonly token: string;
  readonly via: Session['via'];
  readonly rolesClaim?: string;
}

function load(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const stored = (raw.startsWith('{') ? JSON.parse(raw) : { token: raw, via: 'plaza' }) as Stored;
    const session = decodeToken(stored.token, stored.via, stored.rolesClaim);
    return session.expiresAt > Date.now() ? session : undefined;
  } catch {
    return undefined;
  }
}

/** Drops every token this origin keeps: Plaza's session and the OpenID Connect client's user and pending requests. */
function forgetTokens(): void {
  for (const storage of [sessionStorage, localStorage]) {
    for (const key of Object.keys(storage)) {
      if (key === STORAGE_KEY || key.startsWith('plaza.oidc.') || key.startsWith('oidc.')) storage.removeItem(key);
    }
  }
}

export interface SignOutOptions {
  /**
   * Also end the session at the identity provider (RP-initiated logout) and in every tab of this origin:
   * what the "Sign out" button does. Without it (expiry, a refused token, a used voting code) only this origin forgets.
   */
  readonly everywhere?: boolean;
}

interface SessionContextValue {
  readonly session: Session | undefined;
  /** Keep a token: from the voting-code or development sign-in (`plaza`), or the OpenID Connect provider (`oidc`). */
  signIn(token: string, via?: Session['via'], rolesClaim?: string): Session;
  signOut(options?: SignOutOptions): void;
  hasRole(...roles: Role[]): boolean;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

function channel(): BroadcastChannel | undefined {
  return typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(CHANNEL);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | undefined>(load);

  const signOut = useCallback((options: SignOutOptions = {}) => {
    const was = load();
    sessionStorage.removeItem(STORAGE_KEY);
    setSession(undefined);
    if (!options.everywhere) return;
    const other = channel();
    other?.postMessage('signed-out');
    other?.close();
    void (async () => {
      const manager = was?.via === 'oidc' ? await userManager() : undefined;
      try {
        // Forgets the user and sends the browser to the provider's end-session endpoint (with the ID token as hint).
        if (manager) await manager.signoutRedirect();
      } finally {
        forgetTokens();
      }
    })();
  }, []);

  const signIn = useCallback((token: string, via: Session['via'] = 'plaza', rolesClaim?: string) => {
    const next = decodeToken(token, via, rolesClaim);
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ token, via, rolesClaim } satisfies Stored));
    setSession(next);
    return next;
  }, []);

  // Every API call carries the current token (a voting-code token only to the voting service, the one that
  // accepts it); a 401 on a signed-in call ends the session here.
  configureApi((service) => (session?.votingCode && service !== 'voting' ? undefined : session?.token), () => signOut());

  useEffect(() => {
    if (!session) return;
    const left = session.expiresAt - Date.now();
    const timer = setTimeout(() => signOut(), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [session, signOut]);

  useEffect(() => {
    // Sign-out in another tab: forget here too.
    const listen = channel();
    if (!listen) return;
    listen.onmessage = (e) => {
      if (e.data === 'signed-out') {
        forgetTokens();
        setSession(undefined);
      }
    };
    return () => listen.close();
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
