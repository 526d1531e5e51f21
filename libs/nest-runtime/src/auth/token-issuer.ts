import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { AUTH_OPTIONS } from './auth.constants';
import type { AuthOptions } from './auth.options';
import type { Caller, Role } from './roles';

export interface TokenRequest {
  readonly sub: string;
  readonly roles: readonly Role[];
  /** Makes it a voting-code token: the resident may vote once in this round and unit under this pseudonym. */
  readonly votingCode?: NonNullable<Caller['votingCode']>;
  /** Defaults to AUTH_TOKEN_TTL_SECONDS. */
  readonly ttlSeconds?: number;
}

export interface IssuedToken {
  readonly token: string;
  /** UTC ISO-8601. */
  readonly expiresAt: string;
}

/**
 * Signs Plaza's own bearer tokens (EdDSA over Ed25519, `kid` = RFC 7638 thumbprint): the development
 * identity provider's and the voting service's voting-code tokens. Wall-clock time, not the injected
 * CLOCK: token lifetimes are about real time, and verifiers check them against real time.
 */
@Injectable()
export class TokenIssuer {
  constructor(@Inject(AUTH_OPTIONS) private readonly options: AuthOptions) {}

  /** False when this service has only a public key (it verifies, it does not issue). */
  get canIssue(): boolean {
    return this.options.plaza?.signing !== undefined;
  }

  async issue(request: TokenRequest): Promise<IssuedToken> {
    const plaza = this.options.plaza;
    if (!plaza?.signing) throw new Error('this service has no signing key (AUTH_SIGNING_KEY or AUTH_SIGNING_KEY_FILE)');
    if (request.votingCode && (request.roles.length !== 1 || request.roles[0] !== 'resident')) {
      throw new RangeError(`a voting-code token is for a resident only, not ${request.roles.join(', ') || 'no role'}`);
    }
    const ttl = request.ttlSeconds ?? this.options.tokenTtlSeconds;
    if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttl}`);
    const issuedAt = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { roles: [...request.roles] };
    if (request.votingCode) claims.votingCode = { ...request.votingCode };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: plaza.signing.kid })
      .setIssuer(plaza.issuer)
      .setAudience(plaza.audience)
      .setSubject(request.sub)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .setJti(uuidv7())
      .sign(plaza.signing.privateKey);
    return { token, expiresAt: new Date((issuedAt + ttl) * 1000).toISOString() };
  }
}
