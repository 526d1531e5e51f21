import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { ConfigError } from '../config';
import type { AuthSettings } from './auth.settings';

/** `typ` of the development identity provider's tokens. */
export const DEV_TOKEN_TYPE = 'JWT';
/** `typ` and `aud` of voting-code tokens: a type of their own, so no other token can pass for one. */
export const VOTING_CODE_TOKEN_TYPE = 'plaza-voting-code+jwt';
export const VOTING_CODE_AUDIENCE = 'plaza-voting';

/**
 * The development identity provider's Ed25519 keys: the verifying keys by key id, and the signing key only in the
 * service that serves POST /auth/dev/token (every other service drops the private half at boot).
 */
export interface PlazaKeys {
  readonly issuer: string;
  readonly audience: string;
  readonly publicKeys: ReadonlyMap<string, KeyObject>;
  readonly signing?: { readonly kid: string; readonly privateKey: KeyObject };
}

/** The voting service's own key for voting-code tokens (it signs and is the only one to verify them). */
export interface VotingCodeKey {
  readonly issuer: string;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export interface OidcProvider {
  readonly issuer: string;
  readonly audience: string;
  readonly jwks: JWTVerifyGetKey;
  readonly rolesClaim: string;
  /** The `typ` header its access tokens carry. */
  readonly tokenType: string;
}

/** What AuthModule needs, resolved from AuthSettings (files read, keys parsed, combinations checked). */
export interface AuthOptions {
  readonly plaza?: PlazaKeys;
  readonly votingCodes?: VotingCodeKey;
  readonly oidc?: OidcProvider;
  readonly tokenTtlSeconds: number;
  /** Skew allowed on `exp`/`nbf`/`iat` between Plaza and the identity provider. */
  readonly clockToleranceSeconds: number;
  /** This service serves POST /auth/dev/token. */
  readonly devIdentityProvider?: boolean;
}

/** RFC 7638 JWK thumbprint of an Ed25519 public key: the `kid` Plaza puts in the headers it signs. */
export function keyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

function pemFrom(inline: string | undefined, file: string | undefined, name: string, problems: string[]): string | undefined {
  if (inline && file) {
    problems.push(`set only one of ${name} and ${name}_FILE`);
    return undefined;
  }
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file}: ${(error as Error).message}`);
      return undefined;
    }
  }
  // Environment variables often carry PEMs with literal "\n" (Docker, CI secrets).
  return inline?.replace(/\\n/g, '\n');
}

function ed25519(key: KeyObject, name: string, problems: string[]): KeyObject | undefined {
  if (key.asymmetricKeyType !== 'ed25519') {
    problems.push(`${name}: expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
    return undefined;
  }
  return key;
}

export interface KeyNeeds {
  /** This service serves the development identity provider: it keeps AUTH_SIGNING_KEY (required). */
  readonly needsSigningKey?: boolean;
  /** This service issues voting-code tokens: AUTH_VOTING_CODE_KEY is required (and refused anywhere else). */
  readonly issuesVotingCodes?: boolean;
}

/**
 * Resolves the auth settings; throws ConfigError naming every problem. A service must be able to verify
 * tokens (the development key, an OIDC provider, or its voting-code key). Least privilege: a service keeps the
 * development signing key only when it serves the development identity provider (`needsSigningKey`), and only
 * the voting service may hold the voting-code key.
 */
export function authOptionsFromSettings(settings: AuthSettings, options: KeyNeeds = {}): AuthOptions {
  const problems: string[] = [];
  const publicKeys = new Map<string, KeyObject>();
  let signing: PlazaKeys['signing'];

  const signingPem = pemFrom(settings.AUTH_SIGNING_KEY, settings.AUTH_SIGNING_KEY_FILE, 'AUTH_SIGNING_KEY', problems);
  if (signingPem) {
    try {
      const privateKey = ed25519(createPrivateKey(signingPem), 'AUTH_SIGNING_KEY', problems);
      if (privateKey) {
        const publicKey = createPublicKey(privateKey);
        signing = { kid: keyId(publicKey), privateKey };
        publicKeys.set(signing.kid, publicKey);
      }
    } catch (error) {
      problems.push(`AUTH_SIGNING_KEY: not a PKCS#8 PEM private key (${(error as Error).message})`);
    }
  }
  const publicPem = pemFrom(settings.AUTH_PUBLIC_KEY, settings.AUTH_PUBLIC_KEY_FILE, 'AUTH_PUBLIC_KEY', problems);
  if (publicPem) {
    const blocks = publicPem.match(PEM_BLOCK) ?? [];
    if (blocks.length === 0) problems.push('AUTH_PUBLIC_KEY: no PEM block found');
    for (const block of blocks) {
      try {
        const key = ed25519(createPublicKey(block), 'AUTH_PUBLIC_KEY', problems);
        if (key) publicKeys.set(keyId(key), key);
      } catch (error) {
        problems.push(`AUTH_PUBLIC_KEY: not an SPKI PEM public key (${(error as Error).message})`);
      }
    }
  }
  if (options.needsSigningKey && !signingPem && !settings.AUTH_SIGNING_KEY_FILE) {
    problems.push('AUTH_SIGNING_KEY or AUTH_SIGNING_KEY_FILE is required: this service issues tokens');
  }
  // A service that does not serve the development identity provider cannot mint with its key: it keeps the public half.
  if (!options.needsSigningKey) signing = undefined;

  let votingCodes: VotingCodeKey | undefined;
  const votingPem = pemFrom(settings.AUTH_VOTING_CODE_KEY, settings.AUTH_VOTING_CODE_KEY_FILE, 'AUTH_VOTING_CODE_KEY', problems);
  if (votingPem && !options.issuesVotingCodes) {
    problems.push('AUTH_VOTING_CODE_KEY: only the voting service holds the voting-code key; unset AUTH_VOTING_CODE_KEY(_FILE) here');
  } else if (votingPem) {
    try {
      const privateKey = ed25519(createPrivateKey(votingPem), 'AUTH_VOTING_CODE_KEY', problems);
      if (privateKey) {
        const publicKey = createPublicKey(privateKey);
        if (publicKeys.has(keyId(publicKey))) problems.push('AUTH_VOTING_CODE_KEY must differ from the development key (AUTH_SIGNING_KEY / AUTH_PUBLIC_KEY)');
        votingCodes = { issuer: settings.AUTH_ISSUER, kid: keyId(publicKey), privateKey, publicKey };
      }
    } catch (error) {
      problems.push(`AUTH_VOTING_CODE_KEY: not a PKCS#8 PEM private key (${(error as Error).message})`);
    }
  } else if (options.issuesVotingCodes && !settings.AUTH_VOTING_CODE_KEY_FILE) {
    problems.push('AUTH_VOTING_CODE_KEY or AUTH_VOTING_CODE_KEY_FILE is required: this service issues voting-code tokens');
  }

  let oidc: OidcProvider | undefined;
  const oidcSet = [settings.AUTH_OIDC_ISSUER, settings.AUTH_OIDC_AUDIENCE, settings.AUTH_OIDC_JWKS_URL].filter(Boolean).length;
  if (oidcSet > 0 && oidcSet < 3) {
    problems.push('AUTH_OIDC_ISSUER, AUTH_OIDC_AUDIENCE and AUTH_OIDC_JWKS_URL go together: set all three or none');
  } else if (oidcSet === 3) {
    if (settings.AUTH_OIDC_ISSUER === settings.AUTH_ISSUER) problems.push('AUTH_OIDC_ISSUER must differ from AUTH_ISSUER (Plaza’s own tokens)');
    oidc = {
      issuer: settings.AUTH_OIDC_ISSUER!,
      audience: settings.AUTH_OIDC_AUDIENCE!,
      // jose caches the key set, refetches on an unknown `kid` at most every 30 s, and times out after 5 s.
      jwks: createRemoteJWKSet(new URL(settings.AUTH_OIDC_JWKS_URL!)),
      rolesClaim: settings.AUTH_OIDC_ROLES_CLAIM,
      tokenType: settings.AUTH_OIDC_TOKEN_TYPE,
    };
  }

  const hasKeyProblems = problems.some((p) => p.startsWith('AUTH_') || p.startsWith('set only one'));
  if (publicKeys.size === 0 && !oidc && !votingCodes && !hasKeyProblems) {
    problems.push(
      'no way to verify tokens: set AUTH_PUBLIC_KEY(_FILE) or AUTH_SIGNING_KEY(_FILE) (Plaza’s Ed25519 key) and/or AUTH_OIDC_ISSUER, AUTH_OIDC_AUDIENCE, AUTH_OIDC_JWKS_URL' +
        ' (for development `npm start` provisions a key pair in .plaza/dev-auth/)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    plaza: publicKeys.size > 0 ? { issuer: settings.AUTH_ISSUER, audience: settings.AUTH_AUDIENCE, publicKeys, signing } : undefined,
    votingCodes,
    oidc,
    tokenTtlSeconds: settings.AUTH_TOKEN_TTL_SECONDS,
    clockToleranceSeconds: 30,
  };
}
