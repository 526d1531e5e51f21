import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import type { HttpClient } from './http';

export type Role = 'admin' | 'staff' | 'auditor' | 'resident';

/** Where `plaza import` and the bench get bearer tokens from. */
export interface TokenSource {
  readonly kind: string;
  token(sub: string, roles: readonly Role[]): Promise<string>;
}

/** Subjects the development identity provider accepts (DevTokenRequestDto). */
export const SUBJECT_PATTERN = /^[A-Za-z0-9._:@-]{1,200}$/;

/**
 * The resident identity of a Pabulib voter: `pb-<voter_id>` when the id is a valid subject, else a hash of it (so
 * any voter id maps to exactly one identity, and distinct ids to distinct identities).
 */
export function voterIdentity(voterId: string): string {
  const plain = `pb-${voterId}`;
  return SUBJECT_PATTERN.test(plain) ? plain : `pbh-${createHash('sha256').update(voterId, 'utf8').digest('hex')}`;
}

/** RFC 7638 thumbprint of an Ed25519 public key: the `kid` Plaza's TokenIssuer puts in its headers. */
function keyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
}

/**
 * Signs tokens with the development key itself, exactly as the services' TokenIssuer does (EdDSA, iss/aud,
 * sub, roles, kid, jti). Used for tens of thousands of voters: one HTTP round trip per voter to the dev IdP
 * would add as much load as the ballots themselves and measure the IdP instead of voting.
 */
export class LocalSigner implements TokenSource {
  readonly kind = 'local dev key';
  private readonly privateKey: KeyObject;
  private readonly kid: string;

  constructor(
    pem: string,
    private readonly issuer = process.env['AUTH_ISSUER'] ?? 'plaza',
    private readonly audience = process.env['AUTH_AUDIENCE'] ?? 'plaza',
    private readonly ttlSeconds = 6 * 3600,
  ) {
    this.privateKey = createPrivateKey(pem);
    if (this.privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the dev key is ${this.privateKey.asymmetricKeyType}, not Ed25519`);
    this.kid = keyId(createPublicKey(this.privateKey));
  }

  async token(sub: string, roles: readonly Role[]): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: [...roles] })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: this.kid })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(sub)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .setJti(uuidv7())
      .sign(this.privateKey);
  }
}

/** Asks the development identity provider (`POST /auth/dev/token` on the proposals service). */
export class DevIdpTokens implements TokenSource {
  readonly kind = 'dev identity provider';
  constructor(private readonly proposals: HttpClient) {}

  async token(sub: string, roles: readonly Role[]): Promise<string> {
    const res = await this.proposals.post<{ token: string }>('/auth/dev/token', { sub, roles, ttlSeconds: 6 * 3600 }, { idempotent: true });
    return res.body.token;
  }
}

/**
 * The development signing key: `explicit`, else AUTH_SIGNING_KEY_FILE, else the PKCS#8 private key `npm start`
 * provisions under `.plaza/dev-auth/`. Undefined when there is none.
 */
export function findDevKey(root: string, explicit?: string): { file: string; pem: string } | undefined {
  const candidates: string[] = [];
  if (explicit) candidates.push(explicit);
  else {
    if (process.env['AUTH_SIGNING_KEY_FILE']) candidates.push(process.env['AUTH_SIGNING_KEY_FILE']);
    const dir = join(root, '.plaza', 'dev-auth');
    if (existsSync(dir)) for (const f of readdirSync(dir).sort()) candidates.push(join(dir, f));
  }
  for (const file of candidates) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      if (explicit) throw new Error(`cannot read the dev key ${file}: ${(error as Error).message}`);
      continue;
    }
    if (/-----BEGIN PRIVATE KEY-----/.test(pem)) return { file, pem };
    if (explicit) throw new Error(`${file} holds no PKCS#8 private key`);
  }
  return undefined;
}

/** Tokens are cached per subject and role set: the admin token is reused for every admin call. */
export class CachedTokens implements TokenSource {
  private readonly cache = new Map<string, Promise<string>>();
  constructor(private readonly inner: TokenSource) {}
  get kind() {
    return this.inner.kind;
  }
  token(sub: string, roles: readonly Role[]): Promise<string> {
    const key = `${sub}\u0000${[...roles].sort().join(',')}`;
    let t = this.cache.get(key);
    if (!t) {
      t = this.inner.token(sub, roles);
      t.catch(() => this.cache.delete(key));
      this.cache.set(key, t);
    }
    return t;
  }
}
