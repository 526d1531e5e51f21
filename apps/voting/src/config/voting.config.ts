import { loadConfig, ServiceConfig } from '@plaza/nest-runtime';

export class VotingConfig extends ServiceConfig {
  override PORT = 3002;
}

export function loadVotingConfig(env: Record<string, string | undefined> = process.env): VotingConfig & { DB_SCHEMA: string } {
  const config = loadConfig(VotingConfig, env);
  return Object.assign(config, { DB_SCHEMA: config.DB_SCHEMA ?? 'voting' });
}
