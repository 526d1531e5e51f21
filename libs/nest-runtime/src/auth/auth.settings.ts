import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && value !== '' ? Number(value) : value);

/**
 * The authentication variables every service reads (ServiceConfig extends this). Key material has no
 * default on purpose: a service that cannot verify tokens refuses to start (see `authOptionsFromSettings`).
 */
export class AuthSettings {
  /** Plaza's own Ed25519 private key (PKCS#8 PEM), for services that issue tokens (dev IdP, voting codes). */
  @IsOptional()
  @IsString()
  AUTH_SIGNING_KEY?: string;

  @IsOptional()
  @IsString()
  AUTH_SIGNING_KEY_FILE?: string;

  /** Plaza's Ed25519 public key(s) (SPKI PEM; several PEM blocks during a rotation), for services that only verify. */
  @IsOptional()
  @IsString()
  AUTH_PUBLIC_KEY?: string;

  @IsOptional()
  @IsString()
  AUTH_PUBLIC_KEY_FILE?: string;

  /** `iss` and `aud` of the tokens Plaza signs itself. */
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

  /** Claim holding Plaza role names: a claim name, or a dotted path such as `realm_access.roles`. */
  @Matches(/^\S{1,200}$/)
  AUTH_OIDC_ROLES_CLAIM = 'roles';

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
