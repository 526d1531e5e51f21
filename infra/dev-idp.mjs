#!/usr/bin/env node
// The local OpenID Connect provider for development and tests: `oidc-provider` (a certified OpenID Provider
// implementation), so that development signs in through exactly the flow production uses with a city's provider
// (authorization code + PKCE, JWT access tokens checked by the services against this provider's JWKS).
// `npm start` runs it (infra/start.js); the Chromium tests run it as a child process too.
//
// Demo users: resident-1, resident-2, resident-3 (resident), staff, admin, auditor; one demo password for all
// (PLAZA_IDP_PASSWORD, default "plaza"). Never for production: the keys are made anew at each start, the users and
// password are public, everything is kept in memory.
//
// Settings (environment):
//   PLAZA_IDP_PORT (3004), PLAZA_IDP_HOST (127.0.0.1), PLAZA_IDP_ISSUER (http://HOST:PORT)
//   PLAZA_IDP_CLIENT_ID (plaza-web): the web app's public client (no secret: PKCE)
//   PLAZA_IDP_REDIRECT_URIS (http://127.0.0.1:3000/signin/callback), PLAZA_IDP_POST_LOGOUT_REDIRECT_URIS
//     (http://127.0.0.1:3000/signin/signed-out): comma-separated. PLAZA_IDP_LOOPBACK_ANY_PORT=true lets a loopback
//     (127.0.0.1/localhost) redirect URI use any port (RFC 8252 §7.3), for tests whose web app port is chosen at start.
//   PLAZA_IDP_AUDIENCE (plaza-api): `aud` of the access tokens (what the services' AUTH_OIDC_AUDIENCE must say)
//   PLAZA_IDP_ROLES_CLAIM (urn:plaza:roles): the namespaced claim carrying Plaza roles (AUTH_OIDC_ROLES_CLAIM)
//   PLAZA_IDP_TOKEN_TTL_SECONDS (3600)
// Prints one JSON line on stdout when listening: {"issuer": …, "jwksUri": …}.
import { generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import Provider, { errors } from 'oidc-provider';

/** The demo users and their Plaza roles. */
export const DEMO_USERS = Object.freeze({
  'resident-1': ['resident'],
  'resident-2': ['resident'],
  'resident-3': ['resident'],
  staff: ['staff'],
  admin: ['admin'],
  auditor: ['auditor'],
});

const RESOURCE = 'urn:plaza:api';
const API_SCOPE = 'plaza';

const html = (value) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin-top:1rem;font-weight:600}input,button{font:inherit;padding:.5rem;width:100%;box-sizing:border-box}
button{margin-top:1rem;background:#1d4ed8;color:#fff;border:0;border-radius:4px;cursor:pointer}
.warn{background:#fef3c7;border:1px solid #b45309;padding:.5rem 1rem}.error{color:#b91c1c;font-weight:600}
</style></head><body><main>${body}</main></body></html>`;
}

function loginPage(uid, { error, login = '' } = {}) {
  return page(
    'Sign in: Plaza development identity provider',
    `<h1>Sign in</h1>
<p class="warn">Plaza's local OpenID Connect provider, for development and tests only. Demo users:
${Object.keys(DEMO_USERS).map((u) => `<code>${u}</code>`).join(', ')}; the demo password is the same for all.</p>
${error ? `<p class="error" role="alert" id="login-error">${html(error)}</p>` : ''}
<form method="post" action="/interaction/${html(uid)}/login" autocomplete="off">
<label for="login">User name</label><input id="login" name="login" value="${html(login)}" required autofocus ${error ? 'aria-describedby="login-error"' : ''}>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 16 * 1024) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

const list = (value, fallback) => (value ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);

/** Builds the provider and an HTTP request handler for it (login pages included). */
export async function createDevIdp(env = process.env, issuer) {
  const clientId = env.PLAZA_IDP_CLIENT_ID ?? 'plaza-web';
  const redirectUris = list(env.PLAZA_IDP_REDIRECT_URIS, 'http://127.0.0.1:3000/signin/callback');
  const postLogoutRedirectUris = list(env.PLAZA_IDP_POST_LOGOUT_REDIRECT_URIS, 'http://127.0.0.1:3000/signin/signed-out');
  const audience = env.PLAZA_IDP_AUDIENCE ?? 'plaza-api';
  const rolesClaim = env.PLAZA_IDP_ROLES_CLAIM ?? 'urn:plaza:roles';
  const password = env.PLAZA_IDP_PASSWORD ?? 'plaza';
  const ttl = Number(env.PLAZA_IDP_TOKEN_TTL_SECONDS ?? 3600);
  const loopbackAnyPort = env.PLAZA_IDP_LOOPBACK_ANY_PORT === 'true';

  const portless = (uri) => {
    const url = URL.parse(uri);
    if (!url || url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
    url.port = '';
    return url.href;
  };
  const sameOrigin = (origin, uri) => {
    const other = URL.parse(uri)?.origin;
    if (other === origin) return true;
    return loopbackAnyPort && portless(`${origin}/`) !== undefined && portless(`${origin}/`) === portless(`${other}/`);
  };
  const allowed = (value, uris) => uris.includes(value) || (loopbackAnyPort && portless(value) !== undefined && uris.some((u) => portless(u) === portless(value)));

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_name: 'Plaza',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: redirectUris,
        post_logout_redirect_uris: postLogoutRedirectUris,
      },
    ],
    // Every key is made anew at each start (development): the services refetch the JWKS on an unknown key id.
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', API_SCOPE],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page(
            'Sign out: Plaza development identity provider',
            `<h1>Sign out everywhere?</h1><p>This ends your session at the identity provider, so no application signs you in again without your password.</p>
${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Signed out', '<h1>Signed out</h1><p>You are signed out of the Plaza development identity provider.</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== RESOURCE) throw new errors.InvalidTarget();
          // RFC 9068 JWT access tokens (typ at+jwt), signed with the provider's key, one audience.
          return { scope: API_SCOPE, audience, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // The namespaced roles claim goes into the access token the services verify.
    extraTokenClaims: async (_ctx, token) => (token.kind === 'AccessToken' && DEMO_USERS[token.accountId] ? { [rolesClaim]: [...DEMO_USERS[token.accountId]] } : undefined),
    findAccount: async (_ctx, sub) =>
      DEMO_USERS[sub]
        ? { accountId: sub, claims: async () => ({ sub, name: sub, preferred_username: sub }) }
        : undefined,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The web app's origin may call the token and revocation endpoints (a browser client with PKCE).
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris.some((uri) => sameOrigin(origin, uri)),
    ttl: { AccessToken: ttl, IdToken: ttl, Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600 },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><p>${html(out.error)}: ${html(out.error_description ?? '')}</p>`);
    },
  });
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return allowed(value, this.redirectUris);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return allowed(value, this.postLogoutRedirectUris ?? []);
  };

  const callback = provider.callback();
  const interaction = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/;
  const handler = async (req, res) => {
    const pathname = new URL(req.url, issuer).pathname;
    // Browsers ask every origin for an icon: no icon, and no 404 in the console either.
    if (pathname === '/favicon.ico') return void res.writeHead(204).end();
    const match = interaction.exec(pathname);
    if (!match) return callback(req, res);
    res.setHeader('cache-control', 'no-store');
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.uid !== match[1]) throw new errors.SessionNotFound('interaction mismatch');
      if (details.prompt.name === 'consent') {
        // A first-party application: the demo users are not asked to consent, the grant is made for what was asked.
        const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
        if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      if (!match[2] && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid));
        return;
      }
      if (match[2] && req.method === 'POST') {
        const form = await readForm(req);
        const login = (form.get('login') ?? '').trim();
        if (!Object.hasOwn(DEMO_USERS, login) || !sameSecret(form.get('password') ?? '', password)) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid, { error: 'Unknown user or wrong password.', login }));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
        return;
      }
      res.writeHead(405).end();
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(page('Sign-in error', `<h1>Sign-in error</h1><p>${html(error.message)}</p>`));
    }
  };
  return { provider, handler };
}

/** Starts the provider on PLAZA_IDP_HOST:PLAZA_IDP_PORT (port 0: any free port); resolves { issuer, jwksUri, close }. */
export async function startDevIdp(env = process.env) {
  const host = env.PLAZA_IDP_HOST ?? '127.0.0.1';
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(env.PLAZA_IDP_PORT ?? 3004), host, resolve);
  });
  const issuer = env.PLAZA_IDP_ISSUER ?? `http://${host}:${server.address().port}`;
  const { handler } = await createDevIdp(env, issuer);
  server.on('request', handler);
  return { issuer, jwksUri: `${issuer}/jwks`, close: () => new Promise((resolve) => server.close(resolve)) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  startDevIdp().then(
    ({ issuer, jwksUri, close }) => {
      process.stdout.write(`${JSON.stringify({ issuer, jwksUri })}\n`);
      const stop = () => close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (error) => {
      process.stderr.write(`plaza dev identity provider failed to start: ${error.message}\n`);
      process.exit(1);
    },
  );
}
