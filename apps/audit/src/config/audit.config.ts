import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ConfigError, loadConfig, Secret, ServiceConfig } from '@plaza/nest-runtime';
import { parseWitnessList } from '../ledger/witnesses';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && value !== '' ? Number(value) : value);

export class AuditConfig extends ServiceConfig {
  override PORT = 3003;

  /** The log's identity on every checkpoint (C2SP origin: no spaces, no '+'). */
  @Matches(/^[^\s+]{1,200}$/, { message: 'LEDGER_ORIGIN must be non-empty, without spaces or "+"' })
  LEDGER_ORIGIN = 'plaza.local/ledger';

  /**
   * The checkpoint signing key: a C2SP signer key string `PRIVATE+KEY+<name>+<id>+<base64>` or a PEM PKCS#8
   * Ed25519 key. No default: without it a development key is generated once and kept in the database.
   */
  @IsOptional()
  @Secret()
  @IsString()
  LEDGER_SIGNING_KEY?: string;

  /**
   * The witnesses whose cosignatures this service accepts (POST /ledger/cosignatures): C2SP verifier keys
   * `<name>+<id>+<base64(0x04 ‖ key)>` from `plaza witness keygen`, or paths of .vkey files holding one, separated
   * by commas or newlines. Empty: no witness is configured and every cosignature is refused.
   */
  @IsOptional()
  @IsString()
  LEDGER_WITNESSES?: string;

  /** Sign a checkpoint when this long has passed since the last one and the ledger grew. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  CHECKPOINT_INTERVAL_MS = 5000;

  /** …or as soon as this many entries were appended since the last one, whichever comes first. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  CHECKPOINT_MAX_ENTRIES = 1000;

  /**
   * The ledger writer's lease (README "Several instances"): an instance that has not renewed it for this long loses
   * it to a standby; renewed every third of it. Also how long PostgreSQL lets a ledger write sit idle in its
   * transaction (a paused process) before ending it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  LEDGER_LEASE_TTL_MS = 5000;

  /** `production` refuses to start without LEDGER_SIGNING_KEY instead of generating a development key. */
  override productionProblems(): string[] {
    const problems = super.productionProblems();
    if (!this.LEDGER_SIGNING_KEY) {
      problems.push('LEDGER_SIGNING_KEY is required when NODE_ENV=production (or LEDGER_SIGNING_KEY_FILE; a development key is generated only outside production)');
    }
    return problems;
  }
}

export type LoadedAuditConfig = AuditConfig & { DB_SCHEMA: string };

export function loadAuditConfig(env: Record<string, string | undefined> = process.env): LoadedAuditConfig {
  const config = loadConfig(AuditConfig, env);
  try {
    parseWitnessList(config.LEDGER_WITNESSES);
  } catch (e) {
    throw new ConfigError([(e as Error).message]);
  }
  return Object.assign(config, { DB_SCHEMA: config.DB_SCHEMA ?? 'audit' });
}
