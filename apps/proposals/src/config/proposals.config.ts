import { loadConfig, ServiceConfig } from '@plaza/nest-runtime';

export class ProposalsConfig extends ServiceConfig {
  override PORT = 3001;
}

export function loadProposalsConfig(env: Record<string, string | undefined> = process.env): ProposalsConfig & { DB_SCHEMA: string } {
  const config = loadConfig(ProposalsConfig, env);
  return Object.assign(config, { DB_SCHEMA: config.DB_SCHEMA ?? 'proposals' });
}
