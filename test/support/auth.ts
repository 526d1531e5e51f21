import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { keyId, type Role } from '@plaza/nest-runtime';

/**
 * The test key pair: one Ed25519 pair per test process, handed to the services the way `npm start` hands
 * them the development pair (proposals and voting sign, audit only verifies).
 */
const pair = generateKeyPairSync('ed25519');
const pem = (key: KeyObject) => key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' }).toString();

export const TEST_SIGNING_KEY_PEM = pem(pair.privateKey);
export const TEST_PUBLIC_KEY_PEM = pem(pair.publicKey);
export const TEST_KEY_ID = keyId(pair.publicKey);

/** Environment for a service that issues tokens (signing key) or only verifies them (public key). */
export function authEnv(kind: 'signs' | 'verifies', extra: Record<string, string> = {}): Record<string, string> {
  return { ...(kind === 'signs' ? { AUTH_SIGNING_KEY: TEST_SIGNING_KEY_PEM } : { AUTH_PUBLIC_KEY: TEST_PUBLIC_KEY_PEM }), ...extra };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs a compact JWS synchronously (so tests can write `{ token: stack.token('admin') }`), independently
 * of the services' TokenIssuer, with any header and claims: tests also use it for expired or odd tokens.
 */
export function signJwt(claims: Record<string, unknown>, options: { header?: Record<string, unknown>; key?: KeyObject } = {}): string {
  const header = { alg: 'EdDSA', typ: 'JWT', kid: TEST_KEY_ID, ...options.header };
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), options.key ?? pair.privateKey).toString('base64url')}`;
}

/** A valid Plaza token for the given roles (subject defaults to `test-<roles>`), valid for an hour. */
export function tokenFor(roles: Role | readonly Role[], sub?: string, extraClaims: Record<string, unknown> = {}): string {
  const list = typeof roles === 'string' ? [roles] : [...roles];
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ iss: 'plaza', aud: 'plaza', sub: sub ?? `test-${list.join('-') || 'nobody'}`, roles: list, iat: now, exp: now + 3600, ...extraClaims });
}
