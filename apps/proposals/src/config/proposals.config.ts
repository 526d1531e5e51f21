import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { loadConfig, ServiceConfig } from '@plaza/nest-runtime';

export class ProposalsConfig extends ServiceConfig {
  override PORT = 3001;

  /** How often the scheduler checks for rounds whose scheduled phase change is due; 0 turns the timer off. */
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SCHEDULER_INTERVAL_MS = 5000;

  /** Comments and reports a resident may write per minute (per instance; over it: 429 too-many-comments). */
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(10_000)
  COMMENTS_PER_MINUTE = 10;
}

export function loadProposalsConfig(env: Record<string, string | undefined> = process.env): ProposalsConfig & { DB_SCHEMA: string } {
  const config = loadConfig(ProposalsConfig, env);
  return Object.assign(config, { DB_SCHEMA: config.DB_SCHEMA ?? 'proposals' });
}
