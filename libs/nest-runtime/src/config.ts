import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync, type ValidationError } from 'class-validator';
import type { KafkaConnectionOptions } from '@plaza/kafka';
import { AuthSettings } from './auth/auth.settings';
import { readSecretFiles, Secret, secretNames } from './secrets';

export { Secret, secretNames } from './secrets';

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;

/** The database Plaza uses in development and tests: the local superuser, no password (trust). */
export const DEVELOPMENT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Passwords that appear in Plaza's own development setups (docker-compose before #13, kafka.sh --secure). */
const DEVELOPMENT_PASSWORDS = new Set(['plaza', 'postgres', 'password', 'secret', 'plaza-dev', 'admin']);

/**
 * Settings every Plaza service reads, validated at boot (immich's env-as-DTO). Each app extends it with
 * its own fields; `process.env` is read only by `loadConfig`, called from the app's config/ folder.
 * The AUTH_* variables come from AuthSettings (libs/nest-runtime/src/auth).
 */
export class ServiceConfig extends AuthSettings {
  /**
   * `production` turns development conveniences into refusals at boot (see `productionProblems`): the
   * development sign-in, development secrets, plain-http identity provider URLs.
   */
  @IsIn(['development', 'test', 'production'])
  NODE_ENV = 'development';

  /** The service's runtime database role (README "Deploy": one role per service, its own schema only). */
  @Secret()
  @IsString()
  DATABASE_URL = DEVELOPMENT_DATABASE_URL;

  /**
   * The migration role (owner of the schemas) when it differs from DATABASE_URL's: migrations run with it, then
   * the runtime role is granted what it may do on the service's schema (libs/event-store `grantRuntimeAccess`).
   */
  @IsOptional()
  @Secret()
  @IsString()
  MIGRATION_DATABASE_URL?: string;

  /** The service's own PostgreSQL schema (defaults to the service name). */
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'DB_SCHEMA must be a lower-case SQL identifier' })
  DB_SCHEMA?: string;

  @Transform(splitList)
  @IsString({ each: true })
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  /** Topic names are `<prefix>.<producer>.events`. */
  @Matches(/^[a-zA-Z0-9._-]{1,100}$/)
  KAFKA_TOPIC_PREFIX = 'plaza';

  @IsString()
  HOST = '127.0.0.1';

  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 0;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * Express's `trust proxy`: whose X-Forwarded-For to believe for the client's address (rate limits use it).
   * apps/web forwards it; the default believes proxies on this host only. `false`, `true`, a hop count, or
   * addresses/subnets/`loopback`/`uniquelocal`, comma-separated (docker-compose uses `uniquelocal`).
   */
  @IsString()
  TRUST_PROXY = 'loopback';

  /** Run pending migrations when the service starts (`false` when a deploy step runs them). */
  @Transform(({ value }) => (typeof value === 'string' ? value !== 'false' : value))
  MIGRATE_ON_START = true;

  /** Kafka authentication (SASL over the brokers' SASL listener); unset: no authentication (development). */
  @IsOptional()
  @IsIn(['scram-sha-256', 'scram-sha-512', 'plain'])
  KAFKA_SASL_MECHANISM?: 'scram-sha-256' | 'scram-sha-512' | 'plain';

  @IsOptional()
  @Matches(/^\S{1,200}$/)
  KAFKA_SASL_USERNAME?: string;

  @IsOptional()
  @Secret()
  @IsString()
  KAFKA_SASL_PASSWORD?: string;

  /**
   * TLS to the brokers (SASL_SSL); KAFKA_TLS_CA_FILE adds a CA (PEM) to trust, e.g. the private one
   * `infra/kafka/kafka.sh ca` prints. The file is read at boot: missing, unreadable or without a certificate is refused.
   */
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'KAFKA_TLS must be true or false' })
  KAFKA_TLS = false;

  @IsOptional()
  @IsString()
  KAFKA_TLS_CA_FILE?: string;

  /**
   * What NODE_ENV=production refuses, each naming its variable. Services extend it with their own (audit: the
   * ledger key).
   */
  productionProblems(): string[] {
    const problems: string[] = [];
    if (this.AUTH_DEV_IDP) problems.push('AUTH_DEV_IDP: the development sign-in (anyone can mint any role) is refused when NODE_ENV=production');
    for (const name of ['AUTH_OIDC_ISSUER', 'AUTH_OIDC_JWKS_URL'] as const) {
      const value = this[name];
      if (value !== undefined && !value.startsWith('https://')) problems.push(`${name}: must be an https:// URL when NODE_ENV=production (got ${value})`);
    }
    for (const name of ['DATABASE_URL', 'MIGRATION_DATABASE_URL'] as const) {
      const problem = developmentDatabaseUrl(this[name]);
      if (problem) problems.push(`${name}: ${problem} is refused when NODE_ENV=production`);
    }
    if (this.KAFKA_SASL_PASSWORD !== undefined && DEVELOPMENT_PASSWORDS.has(this.KAFKA_SASL_PASSWORD)) {
      problems.push('KAFKA_SASL_PASSWORD: a development password is refused when NODE_ENV=production');
    }
    if (this.KAFKA_SASL_MECHANISM === 'plain' && !this.KAFKA_TLS) {
      problems.push('KAFKA_SASL_MECHANISM: plain sends the password in clear text; set KAFKA_TLS=true (or use scram-sha-512) when NODE_ENV=production');
    }
    return problems;
  }
}

/** Why a database URL is a development one, or undefined when it is not. */
function developmentDatabaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === DEVELOPMENT_DATABASE_URL) return 'the development default (local superuser, no password)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined; // a key=value connection string: not ours to judge
  }
  if (url.password === '') return 'a URL without a password';
  if (DEVELOPMENT_PASSWORDS.has(decodeURIComponent(url.password))) return 'a development password';
  return undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? m : `${e.property}: ${m}`)),
    ...flatten(e.children ?? []),
  ]);
}

/**
 * Builds a validated config object from an environment (unknown variables are ignored, empty strings
 * count as unset). Throws ConfigError naming every bad variable.
 */
export function loadConfig<T extends ServiceConfig>(cls: new () => T, given: NodeJS.ProcessEnv | Record<string, string | undefined>): T {
  const { env, problems: fileProblems } = readSecretFiles(secretNames(cls), given);
  if (fileProblems.length > 0) throw new ConfigError(fileProblems);
  const defaults = new cls() as unknown as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(defaults).concat(Object.keys(env))) {
    const value = env[key];
    if (value !== undefined && value !== '') plain[key] = value;
  }
  const known = Object.fromEntries(Object.entries(plain).filter(([k]) => k in defaults || /^[A-Z][A-Z0-9_]*$/.test(k)));
  const config = plainToInstance(cls, known, { exposeDefaultValues: true });
  const errors = validateSync(config as object, { whitelist: false });
  if (errors.length > 0) throw new ConfigError(flatten(errors));
  const problems = kafkaAuthProblems(config);
  if (config.NODE_ENV === 'production') problems.push(...config.productionProblems());
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The libs/kafka connection options a service's validated config gives (brokers, SASL, TLS). */
export function kafkaConnection(config: ServiceConfig, clientId: string): KafkaConnectionOptions {
  return {
    brokers: config.KAFKA_BROKERS,
    clientId,
    ...(config.KAFKA_SASL_MECHANISM
      ? { sasl: { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME!, password: config.KAFKA_SASL_PASSWORD! } }
      : {}),
    ...(config.KAFKA_TLS ? { tls: { caFile: config.KAFKA_TLS_CA_FILE } } : {}),
  };
}

function kafkaAuthProblems(config: ServiceConfig): string[] {
  const problems: string[] = [];
  if (config.KAFKA_SASL_MECHANISM) {
    if (!config.KAFKA_SASL_USERNAME) problems.push(`KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}`);
    if (!config.KAFKA_SASL_PASSWORD) problems.push(`KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required with KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}`);
  } else if (config.KAFKA_SASL_USERNAME || config.KAFKA_SASL_PASSWORD) {
    problems.push('KAFKA_SASL_MECHANISM: set it (scram-sha-256, scram-sha-512 or plain) to use KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD');
  }
  if (config.KAFKA_TLS_CA_FILE !== undefined) {
    if (!config.KAFKA_TLS) problems.push('KAFKA_TLS_CA_FILE: set KAFKA_TLS=true too (the CA is only used over TLS)');
    const problem = caFileProblem(config.KAFKA_TLS_CA_FILE);
    if (problem) problems.push(`KAFKA_TLS_CA_FILE: ${problem}`);
  }
  return problems;
}

/** Why a CA file cannot be used for TLS to the brokers, or undefined when it holds a PEM certificate. */
function caFileProblem(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  try {
    new X509Certificate(text);
  } catch (error) {
    return `${file} is not a readable certificate (${(error as Error).message})`;
  }
  return undefined;
}
