import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The web app's client at the local provider, and the access tokens' audience (as under `npm start`). */
export const IDP_CLIENT_ID = 'plaza-web';
export const IDP_AUDIENCE = 'plaza-api';
export const IDP_ROLES_CLAIM = 'urn:plaza:roles';
export const IDP_PASSWORD = 'plaza-test-password';

export interface RunningIdp {
  readonly issuer: string;
  readonly jwksUri: string;
  /** The services' AUTH_OIDC_* variables for this provider. */
  readonly serviceEnv: Record<string, string>;
  /** The web app's AUTH_OIDC_* variables. */
  readonly webEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The local OpenID Connect provider (infra/dev-idp.mjs, oidc-provider) as its own process, exactly as `npm start`
 * runs it, on a free port; loopback redirect URIs may use any port, since the web app's port is chosen later.
 */
export async function startIdp(): Promise<RunningIdp> {
  const child: ChildProcess = spawn(process.execPath, [resolve(__dirname, '../../infra/dev-idp.mjs')], {
    env: {
      ...process.env,
      PLAZA_IDP_PORT: '0',
      PLAZA_IDP_LOOPBACK_ANY_PORT: 'true',
      PLAZA_IDP_CLIENT_ID: IDP_CLIENT_ID,
      PLAZA_IDP_AUDIENCE: IDP_AUDIENCE,
      PLAZA_IDP_ROLES_CLAIM: IDP_ROLES_CLAIM,
      PLAZA_IDP_PASSWORD: IDP_PASSWORD,
      PLAZA_IDP_REDIRECT_URIS: 'http://127.0.0.1:3000/signin/callback',
      PLAZA_IDP_POST_LOGOUT_REDIRECT_URIS: 'http://127.0.0.1:3000/signin/signed-out',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const { issuer, jwksUri } = await new Promise<{ issuer: string; jwksUri: string }>((ok, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => ok(JSON.parse(line)));
    child.once('exit', (code) => fail(new Error(`the local identity provider exited (${code}): ${stderr}`)));
  });
  return {
    issuer,
    jwksUri,
    serviceEnv: { AUTH_OIDC_ISSUER: issuer, AUTH_OIDC_AUDIENCE: IDP_AUDIENCE, AUTH_OIDC_JWKS_URL: jwksUri, AUTH_OIDC_ROLES_CLAIM: IDP_ROLES_CLAIM },
    webEnv: { AUTH_OIDC_ISSUER: issuer, AUTH_OIDC_CLIENT_ID: IDP_CLIENT_ID, AUTH_OIDC_ROLES_CLAIM: IDP_ROLES_CLAIM, AUTH_OIDC_DISPLAY_NAME: 'Plaza test provider' },
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
