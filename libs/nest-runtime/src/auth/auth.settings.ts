import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && value !== '' ? Number(value) : value);

/**
 * The authentication variables every service reads (ServiceConfig extends this). Key material has no
 * default on purpose: a service that cannot verify tokens refuses to start (see `authOptionsFromSettings`).
 */
export class AuthSettings {
  /**
   * The development identity provider's Ed25519 private key (PKCS#8 PEM): held only by the service that serves
   * POST /auth/dev/token (AUTH_DEV_IDP=true, a test and demo helper); any other service keeps only its public half.
   */
  @IsOptional()
  @IsString()
  AUTH_SIGNING_KEY?: string;

  @IsOptional()
  @IsString()
  AUTH_SIGNING_KEY_FILE?: string;

  /** The development key's Ed25519 public key(s) (SPKI PEM; several PEM blocks during a rotation), to verify dev tokens. */
  @IsOptional()
  @IsString()
  AUTH_PUBLIC_KEY?: string;

  @IsOptional()
  @IsString()
  AUTH_PUBLIC_KEY_FILE?: string;

  /**
   * The voting service's own Ed25519 key (PKCS#8 PEM) for voting-code tokens: it signs and verifies them, no other
   * service holds it or accepts such a token, and it can mint nothing but a one-round, one-ballot resident.
   */
  @IsOptional()
  @IsString()
  AUTH_VOTING_CODE_KEY?: string;

  @IsOptional()
  @IsString()
  AUTH_VOTING_CODE_KEY_FILE?: string;

  /** `iss` and `aud` of the tokens Plaza signs itself (development tokens; voting codes have the audience `plaza-voting`). */
  @Matches(/^\S{1,200}$/)
  AUTH_ISSUER = 'plaza';

  @Matches(/^\S{1,200}$/)
  AUTH_AUDIENCE = 'plaza';

  /** An external OpenID Connect provider whose access tokens are accepted too (all three or none). */
  @IsOptional()
  @IsString()
  AUTH_OIDC_ISSUER?: string;

  @IsOptional()
  @IsString()
  AUTH_OIDC_AUDIENCE?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['https', 'http'], require_protocol: true })
  AUTH_OIDC_JWKS_URL?: string;

  /**
   * Claim holding Plaza role names: a namespaced claim name (`urn:plaza:roles`, `https://city.example/plaza/roles`),
   * or a dotted path such as `realm_access.roles`.
   */
  @Matches(/^\S{1,200}$/)
  AUTH_OIDC_ROLES_CLAIM = 'urn:plaza:roles';

  /** The `typ` header the provider's access tokens must carry (RFC 9068 `at+jwt`; Keycloak and Entra send `JWT`). */
  @Matches(/^[A-Za-z0-9.+/-]{1,100}$/)
  AUTH_OIDC_TOKEN_TYPE = 'at+jwt';

  /** Serve `POST /auth/dev/token` (proposals service). Development only: anyone can mint any role. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'AUTH_DEV_IDP must be true or false' })
  AUTH_DEV_IDP = false;

  /** Lifetime of tokens Plaza issues. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(7 * 24 * 3600)
  AUTH_TOKEN_TTL_SECONDS = 3600;
}
