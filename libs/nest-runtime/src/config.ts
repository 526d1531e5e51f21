import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync, type ValidationError } from 'class-validator';
import { AuthSettings } from './auth/auth.settings';

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;

/**
 * Settings every Plaza service reads, validated at boot (immich's env-as-DTO). Each app extends it with
 * its own fields; `process.env` is read only by `loadConfig`, called from the app's config/ folder.
 * The AUTH_* variables come from AuthSettings (libs/nest-runtime/src/auth).
 */
export class ServiceConfig extends AuthSettings {
  @IsString()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

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
export function loadConfig<T extends ServiceConfig>(cls: new () => T, env: NodeJS.ProcessEnv | Record<string, string | undefined>): T {
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
  return config;
}
