import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { keyId, type Role } from '@plaza/nest-runtime';

/**
 * The test key pairs, one Ed25519 pair each per test process, handed to the services the way `npm start` hands them
 * the development pairs: the development key (proposals signs as the development identity provider, voting and
 * audit only verify) and the voting-code key (the voting service alone holds it).
 */
const pair = generateKeyPairSync('ed25519');
const codePair = generateKeyPairSync('ed25519');
const pem = (key: KeyObject) => key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' }).toString();

export const TEST_SIGNING_KEY_PEM = pem(pair.privateKey);
export const TEST_PUBLIC_KEY_PEM = pem(pair.publicKey);
export const TEST_KEY_ID = keyId(pair.publicKey);
export const TEST_VOTING_CODE_KEY_PEM = pem(codePair.privateKey);

/**
 * Environment for a service that issues development tokens (signing key), only verifies them (public key), or is
 * the voting service (verifies development tokens, holds the voting-code key).
 */
export function authEnv(kind: 'signs' | 'verifies' | 'voting', extra: Record<string, string> = {}): Record<string, string> {
  const keys: Record<string, string> =
    kind === 'signs'
      ? { AUTH_SIGNING_KEY: TEST_SIGNING_KEY_PEM }
      : kind === 'voting'
        ? { AUTH_PUBLIC_KEY: TEST_PUBLIC_KEY_PEM, AUTH_VOTING_CODE_KEY: TEST_VOTING_CODE_KEY_PEM }
        : { AUTH_PUBLIC_KEY: TEST_PUBLIC_KEY_PEM };
  return { ...keys, ...extra };
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

/** A voting-code token as the voting service signs it (own key, typ plaza-voting-code+jwt, audience plaza-voting). */
export function votingCodeToken(votingCode: { roundId: string; unitId: string; pseudonym: string }, sub = `code:${votingCode.pseudonym}`): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    { iss: 'plaza', aud: 'plaza-voting', sub, roles: ['resident'], votingCode, iat: now, exp: now + 3600 },
    { header: { typ: 'plaza-voting-code+jwt', kid: keyId(codePair.publicKey) }, key: codePair.privateKey },
  );
}

/** A valid Plaza token for the given roles (subject defaults to `test-<roles>`), valid for an hour. */
export function tokenFor(roles: Role | readonly Role[], sub?: string, extraClaims: Record<string, unknown> = {}): string {
  const list = typeof roles === 'string' ? [roles] : [...roles];
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ iss: 'plaza', aud: 'plaza', sub: sub ?? `test-${list.join('-') || 'nobody'}`, roles: list, iat: now, exp: now + 3600, ...extraClaims });
}
