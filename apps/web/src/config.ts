import { plainToInstance, Transform } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsInt, IsString, IsUrl, Matches, Max, Min, ValidateIf, validateSync } from 'class-validator';
import { ConfigError } from '@plaza/nest-runtime';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const url = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const urlList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((u) => u.trim()).filter(Boolean) : value;

/** The web server's settings, validated at boot like every Plaza service's (every bad variable named). */
export class WebConfig {
  @IsString()
  HOST = '127.0.0.1';

  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /**
   * Where the three APIs listen; the browser reaches them only through /api/<service>/ on this origin. Several
   * instances of a service: their URLs separated by commas, taken in turn (round robin).
   */
  @Transform(urlList)
  @IsUrl(url, { each: true })
  @ArrayNotEmpty()
  PROPOSALS_URL: string[] = ['http://127.0.0.1:3001'];

  @Transform(urlList)
  @IsUrl(url, { each: true })
  @ArrayNotEmpty()
  VOTING_URL: string[] = ['http://127.0.0.1:3002'];

  @Transform(urlList)
  @IsUrl(url, { each: true })
  @ArrayNotEmpty()
  AUDIT_URL: string[] = ['http://127.0.0.1:3003'];

  /** The built UI (`npm run build` writes it to dist/web). */
  @IsString()
  WEB_UI_DIR = defaultUiDir();

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * Express's `trust proxy` for this server: whose X-Forwarded-For to believe (a TLS-terminating proxy in front).
   * Default `false`: the client is whoever connected, and a browser's own X-Forwarded-For is dropped. The services
   * get exactly one address from here (README "Deploy").
   */
  @IsString()
  TRUST_PROXY = 'false';

  /**
   * The OpenID Connect provider people sign in with (authorization code + PKCE in the browser): its issuer URL, the
   * public client registered for this web app, the scope asked for, and the namespaced access-token claim that
   * carries Plaza roles. Empty issuer: no account sign-in is offered (voting codes, and the development sign-in
   * where it is on). The redirect URIs to register at the provider: <origin>/signin/callback and <origin>/signin/signed-out.
   */
  @ValidateIf((c: WebConfig) => c.AUTH_OIDC_ISSUER !== '')
  @IsUrl(url, { message: 'AUTH_OIDC_ISSUER must be an http(s) URL' })
  AUTH_OIDC_ISSUER = '';

  @Matches(/^\S{1,200}$/)
  AUTH_OIDC_CLIENT_ID = 'plaza-web';

  @Matches(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, { message: 'AUTH_OIDC_SCOPE must be space-separated scope names' })
  AUTH_OIDC_SCOPE = 'openid profile plaza';

  @Matches(/^\S{1,200}$/)
  AUTH_OIDC_ROLES_CLAIM = 'urn:plaza:roles';

  /** Shown on the sign-in button ("Sign in with …"); empty: "your account". */
  @IsString()
  AUTH_OIDC_DISPLAY_NAME = '';
}

function defaultUiDir(): string {
  // dist/apps/web/src/config.js → dist/web; from the sources (ts-jest) apps/web/src → dist/web.
  for (const candidate of [resolve(__dirname, '../../../web'), resolve(__dirname, '../../../dist/web')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return resolve(__dirname, '../../../web');
}

export function loadWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  const defaults = new WebConfig() as unknown as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    if (value !== undefined && value !== '') plain[key] = value;
  }
  const config = plainToInstance(WebConfig, plain, { exposeDefaultValues: true });
  const errors = validateSync(config);
  if (errors.length > 0) {
    throw new ConfigError(errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`)));
  }
  return config;
}
