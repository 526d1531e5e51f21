import { Inject, Injectable } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { AUTH_OPTIONS } from './auth.constants';
import { DEV_TOKEN_TYPE, VOTING_CODE_AUDIENCE, VOTING_CODE_TOKEN_TYPE, type AuthOptions } from './auth.options';
import { ROLES, type Caller, type Role } from './roles';

/** The token cannot be trusted (HTTP 401); the message says why without echoing the token. */
export class InvalidToken extends Error {}

/** The external identity provider's keys could not be fetched (HTTP 503: not the caller's fault). */
export class IdentityProviderUnavailable extends Error {}

/** Asymmetric algorithms accepted from an OIDC provider; HS* (shared secrets) and `none` never. */
const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function knownRoles(value: unknown): Role[] {
  const list = typeof value === 'string' ? value.split(/[\s,]+/) : Array.isArray(value) ? value : [];
  return ROLES.filter((role) => list.includes(role));
}

/** A claim by exact name first (URL-style names contain dots), else by dotted path (`realm_access.roles`). */
export function claimAt(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** OIDC's standard `email` claim, when it looks like an address and the provider does not say it is unverified. */
export function emailOf(payload: JWTPayload): { email?: string } {
  const email = payload.email;
  if (typeof email !== 'string' || email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email) || payload.email_verified === false) return {};
  return { email };
}

function votingCodeOf(value: unknown): Caller['votingCode'] {
  if (value === undefined) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || !['roundId', 'unitId', 'pseudonym'].every((k) => typeof v[k] === 'string')) {
    throw new InvalidToken('invalid token: malformed votingCode claim');
  }
  return { roundId: v.roundId as string, unitId: v.unitId as string, pseudonym: v.pseudonym as string };
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'typ') return 'token type (typ header) not accepted here';
    return `claim "${error.claim}" ${error.reason === 'missing' ? 'is missing' : 'is not valid'}`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'signing algorithm not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'signed with a key the identity provider does not publish';
  return 'malformed token';
}

/**
 * Verifies bearer tokens and turns them into a Caller. Three kinds, each checked for its own `typ`, issuer,
 * audience and key: the OpenID Connect provider's access tokens (its JWKS, AUTH_OIDC_TOKEN_TYPE, this service's
 * AUTH_OIDC_AUDIENCE), voting-code tokens (the voting service's own key, plaza-voting-code+jwt, audience
 * plaza-voting: any other service refuses them), and the development identity provider's (typ JWT, never with a
 * voting code).
 */
@Injectable()
export class TokenVerifier {
  constructor(@Inject(AUTH_OPTIONS) private readonly options: AuthOptions) {}

  async verify(token: string): Promise<Caller> {
    let issuer: string | undefined;
    let kid: string | undefined;
    let typ: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
      const header = decodeProtectedHeader(token);
      kid = header.kid;
      typ = header.typ;
    } catch {
      throw new InvalidToken('invalid token: malformed token');
    }
    const { plaza, votingCodes, oidc, clockToleranceSeconds } = this.options;
    if (typ !== undefined && typ.toLowerCase() === VOTING_CODE_TOKEN_TYPE) {
      // Only the voting service holds the key; every other service has no business with a voting code.
      if (!votingCodes) throw new InvalidToken('invalid token: voting-code tokens are accepted only by the voting service');
      if (kid !== votingCodes.kid) throw new InvalidToken('invalid token: signed with an unknown key');
      const payload = await this.check(false, () =>
        jwtVerify(token, votingCodes.publicKey, {
          issuer: votingCodes.issuer,
          audience: VOTING_CODE_AUDIENCE,
          typ: VOTING_CODE_TOKEN_TYPE,
          algorithms: ['EdDSA'],
          clockTolerance: clockToleranceSeconds,
          requiredClaims: ['sub', 'exp', 'iat', 'votingCode'],
        }),
      );
      // A voting code makes a resident and nothing more, whatever else the token claims.
      return { sub: payload.sub!, roles: ['resident'], votingCode: votingCodeOf(payload.votingCode) };
    }
    if (plaza && issuer === plaza.issuer) {
      const key = kid !== undefined ? plaza.publicKeys.get(kid) : plaza.publicKeys.size === 1 ? [...plaza.publicKeys.values()][0] : undefined;
      if (!key) throw new InvalidToken('invalid token: signed with an unknown key');
      const payload = await this.check(false, () =>
        jwtVerify(token, key, {
          issuer: plaza.issuer,
          audience: plaza.audience,
          typ: DEV_TOKEN_TYPE,
          algorithms: ['EdDSA'],
          clockTolerance: clockToleranceSeconds,
          requiredClaims: ['sub', 'exp', 'iat'],
        }),
      );
      // A voting code comes only from the voting service's own key, never from the development key.
      if (payload.votingCode !== undefined) throw new InvalidToken('invalid token: a voting code is valid only in a voting-code token');
      return { sub: payload.sub!, roles: knownRoles(payload.roles), ...emailOf(payload) };
    }
    if (oidc && issuer === oidc.issuer) {
      const payload = await this.check(true, () =>
        jwtVerify(token, oidc.jwks, {
          issuer: oidc.issuer,
          audience: oidc.audience,
          typ: oidc.tokenType,
          algorithms: OIDC_ALGORITHMS,
          clockTolerance: clockToleranceSeconds,
          requiredClaims: ['sub', 'exp'],
        }),
      );
      // Voting codes are Plaza's own: an external provider cannot vouch for one.
      return { sub: payload.sub!, roles: knownRoles(claimAt(payload, oidc.rolesClaim)), ...emailOf(payload) };
    }
    throw new InvalidToken(issuer === undefined ? 'invalid token: no issuer (iss)' : 'invalid token: issuer not accepted');
  }

  private async check(remoteKeys: boolean, verify: () => Promise<{ payload: JWTPayload }>): Promise<JWTPayload> {
    try {
      const { payload } = await verify();
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidToken('invalid token: empty subject (sub)');
      return payload;
    } catch (error) {
      if (error instanceof InvalidToken) throw error;
      if (remoteKeys && (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError))) {
        throw new IdentityProviderUnavailable(`cannot fetch the identity provider's signing keys: ${(error as Error).message}`);
      }
      if (!(error instanceof errors.JOSEError)) throw error;
      throw new InvalidToken(`invalid token: ${describe(error)}`);
    }
  }
}
