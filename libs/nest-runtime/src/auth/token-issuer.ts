import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { AUTH_OPTIONS } from './auth.constants';
import { DEV_TOKEN_TYPE, VOTING_CODE_AUDIENCE, VOTING_CODE_TOKEN_TYPE, type AuthOptions } from './auth.options';
import type { Caller, Role } from './roles';

export interface TokenRequest {
  readonly sub: string;
  readonly roles: readonly Role[];
  /** Defaults to AUTH_TOKEN_TTL_SECONDS. */
  readonly ttlSeconds?: number;
  /** An `email` claim, as an OIDC provider's token may carry one. */
  readonly email?: string;
}

export interface VotingCodeTokenRequest {
  readonly sub: string;
  /** The resident may vote once in this round and unit under this pseudonym. */
  readonly votingCode: NonNullable<Caller['votingCode']>;
  /** Defaults to AUTH_TOKEN_TTL_SECONDS. */
  readonly ttlSeconds?: number;
}

export interface IssuedToken {
  readonly token: string;
  /** UTC ISO-8601. */
  readonly expiresAt: string;
}

/**
 * Signs Plaza's own bearer tokens (EdDSA over Ed25519, `kid` = RFC 7638 thumbprint), each kind with its own key:
 * the development identity provider's (`issue`, only where AUTH_DEV_IDP serves it) and the voting service's
 * voting-code tokens (`issueVotingCode`, own key, `typ` plaza-voting-code+jwt, audience plaza-voting). Staff,
 * admin, auditor and resident tokens otherwise come from the OpenID Connect provider. Wall-clock time, not the
 * injected CLOCK: token lifetimes are about real time, and verifiers check them against real time.
 */
@Injectable()
export class TokenIssuer {
  constructor(@Inject(AUTH_OPTIONS) private readonly options: AuthOptions) {}

  /** False when this service does not serve the development identity provider (it verifies, it does not mint roles). */
  get canIssue(): boolean {
    return this.options.plaza?.signing !== undefined;
  }

  /** A development token for any subject and roles (the development identity provider, a test helper). */
  async issue(request: TokenRequest): Promise<IssuedToken> {
    const plaza = this.options.plaza;
    if (!plaza?.signing) throw new Error('this service has no signing key (AUTH_SIGNING_KEY or AUTH_SIGNING_KEY_FILE, only with AUTH_DEV_IDP=true)');
    return this.sign({ roles: [...request.roles], ...(request.email !== undefined ? { email: request.email } : {}) }, request.sub, request.ttlSeconds, {
      typ: DEV_TOKEN_TYPE,
      kid: plaza.signing.kid,
      issuer: plaza.issuer,
      audience: plaza.audience,
      key: plaza.signing.privateKey,
    });
  }

  /** A voting-code token: a resident for one ballot in one round and unit, good only at the voting service's ballot endpoints. */
  async issueVotingCode(request: VotingCodeTokenRequest): Promise<IssuedToken> {
    const key = this.options.votingCodes;
    if (!key) throw new Error('this service has no voting-code key (AUTH_VOTING_CODE_KEY or AUTH_VOTING_CODE_KEY_FILE)');
    return this.sign({ roles: ['resident'], votingCode: { ...request.votingCode } }, request.sub, request.ttlSeconds, {
      typ: VOTING_CODE_TOKEN_TYPE,
      kid: key.kid,
      issuer: key.issuer,
      audience: VOTING_CODE_AUDIENCE,
      key: key.privateKey,
    });
  }

  private async sign(
    claims: Record<string, unknown>,
    sub: string,
    ttlSeconds: number | undefined,
    how: { typ: string; kid: string; issuer: string; audience: string; key: import('node:crypto').KeyObject },
  ): Promise<IssuedToken> {
    const ttl = ttlSeconds ?? this.options.tokenTtlSeconds;
    if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttl}`);
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: how.typ, kid: how.kid })
      .setIssuer(how.issuer)
      .setAudience(how.audience)
      .setSubject(sub)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .setJti(uuidv7())
      .sign(how.key);
    return { token, expiresAt: new Date((issuedAt + ttl) * 1000).toISOString() };
  }
}
