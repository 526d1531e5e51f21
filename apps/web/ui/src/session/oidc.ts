import { UserManager, WebStorageStateStore } from 'oidc-client-ts';

/** What the web server says about sign-in (GET /auth/config.json, from its AUTH_OIDC_* settings). */
export interface AuthConfig {
  readonly oidc?: {
    /** The OpenID Connect provider's issuer URL (its discovery document is read from there). */
    readonly authority: string;
    readonly clientId: string;
    readonly scope: string;
    /** The (namespaced) access-token claim that carries Plaza roles. */
    readonly rolesClaim: string;
    /** A name to show on the sign-in button (e.g. "City account"). */
    readonly displayName?: string;
  };
}

let config: Promise<AuthConfig> | undefined;
let manager: Promise<UserManager | undefined> | undefined;

export function authConfig(): Promise<AuthConfig> {
  config ??= fetch('/auth/config.json', { headers: { accept: 'application/json' } })
    .then((res) => (res.ok ? (res.json() as Promise<AuthConfig>) : {}))
    .catch(() => ({}));
  return config;
}

export const CALLBACK_PATH = '/signin/callback';
export const SIGNED_OUT_PATH = '/signin/signed-out';

/**
 * The OpenID Connect client (oidc-client-ts): authorization code flow with PKCE, a public client (no secret in
 * the browser). Its user and its request state live in sessionStorage (this tab only, gone when it closes), never
 * in localStorage. No silent renew in an iframe: when the access token expires the person signs in again.
 */
export function userManager(): Promise<UserManager | undefined> {
  manager ??= authConfig().then(({ oidc }) => {
    if (!oidc) return undefined;
    const store = new WebStorageStateStore({ store: window.sessionStorage, prefix: 'plaza.oidc.' });
    return new UserManager({
      authority: oidc.authority,
      client_id: oidc.clientId,
      scope: oidc.scope,
      response_type: 'code',
      redirect_uri: `${window.location.origin}${CALLBACK_PATH}`,
      post_logout_redirect_uri: `${window.location.origin}${SIGNED_OUT_PATH}`,
      userStore: store,
      stateStore: store,
      automaticSilentRenew: false,
      monitorSession: false,
      loadUserInfo: false,
      // JWT access tokens are verified by the services offline; providers (oidc-provider among them) do not revoke
      // them, so sign-out ends the provider session and forgets the token, and the token's short lifetime does the rest.
      revokeTokensOnSignout: false,
    });
  });
  return manager;
}
