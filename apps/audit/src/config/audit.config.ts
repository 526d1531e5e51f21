import { loadConfig, ServiceConfig } from '@plaza/nest-runtime';

export class AuditConfig extends ServiceConfig {
  override PORT = 3003;
}

export function loadAuditConfig(env: Record<string, string | undefined> = process.env): AuditConfig & { DB_SCHEMA: string } {
  const config = loadConfig(AuditConfig, env);
  return Object.assign(config, { DB_SCHEMA: config.DB_SCHEMA ?? 'audit' });
}
