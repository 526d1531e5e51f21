import type { Clock, ServiceDefinition } from '@plaza/nest-runtime';
import { AuditAppModule, auditMigrations } from './app.module';
import { loadAuditConfig } from './config/audit.config';

export function auditService(env: Record<string, string | undefined> = process.env, options: { clock?: Clock } = {}): ServiceDefinition {
  const config = loadAuditConfig(env);
  return {
    name: 'audit',
    description: 'The tamper-evident ledger of every Plaza event (RFC 9162 leaf hashes over RFC 8785 canonical JSON).',
    module: AuditAppModule.register(config, options),
    config,
    migrations: auditMigrations,
  };
}
