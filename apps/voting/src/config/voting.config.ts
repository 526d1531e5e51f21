import { loadConfig, ServiceConfig } from '@plaza/nest-runtime';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class VotingConfig extends ServiceConfig {
  override PORT = 3002;

  /**
   * Voting-code sign-ins allowed per client address per minute, successful or not: a guard against guessing
   * codes. Generous by default, because a school or library signs many residents in from one address.
   */
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  CODE_SIGNIN_PER_MINUTE = 60;

  /**
   * The smallest age-band cell published (results, the close's ParticipationDeclared): a count under it, and a
   * cell that would give one away, is shown as suppressed. 10 by default, as statistical offices commonly use.
   */
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  AGE_BAND_MIN_CELL = 10;

  /**
   * Destroy a round's pseudonym secret automatically this many days after the round is published (0: at the
   * next sweep after publication). Unset: only by the administrator's command.
   */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value === '' ? undefined : value))
  @IsInt()
  @Min(0)
  @Max(3650)
  DESTROY_SECRET_AFTER_DAYS?: number;

  /** How often rounds due for DESTROY_SECRET_AFTER_DAYS are looked for. */
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(0)
  SECRET_SWEEP_INTERVAL_MS = 3_600_000;

  /**
   * Group commit of online ballots: how long the first ballot of a group waits for others while the database
   * is idle (ms). Under load groups form on their own while earlier ones are written.
   */
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(1000)
  BALLOT_GROUP_WINDOW_MS = 2;

  /** Most ballots written in one transaction; 1 turns group commit off (a transaction per ballot). */
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(1000)
  BALLOT_GROUP_MAX = 256;

  /** Ballot groups written at the same time (each holds a database connection). */
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(64)
  BALLOT_GROUP_CONCURRENCY = 4;
}

export function loadVotingConfig(env: Record<string, string | undefined> = process.env): VotingConfig & { DB_SCHEMA: string } {
  const config = loadConfig(VotingConfig, env);
  return Object.assign(config, { DB_SCHEMA: config.DB_SCHEMA ?? 'voting' });
}
