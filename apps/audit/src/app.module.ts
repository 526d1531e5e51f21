import { Module, type DynamicModule } from '@nestjs/common';
import { eventStoreMigrations } from '@plaza/event-store';
import { KafkaModule } from '@plaza/kafka/nest';
import { DatabaseModule, EventPipelineModule, HealthModule, loggingModule } from '@plaza/nest-runtime';
import type { AuditConfig } from './config/audit.config';
import { LedgerController } from './ledger/ledger.controller';
import { LedgerProjection } from './ledger/ledger.projection';
import { Ledger1764110000000 } from './migrations/1764110000000-ledger';

export const auditMigrations = [...eventStoreMigrations, Ledger1764110000000];

@Module({})
export class AuditAppModule {
  static register(config: AuditConfig & { DB_SCHEMA: string }): DynamicModule {
    const ledger = new LedgerProjection(config.DB_SCHEMA);
    const pipeline = EventPipelineModule.forRoot({
      producer: 'audit',
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      projections: [{ name: 'ledger', from: ['proposals', 'voting'], apply: ledger.apply }],
    });
    return {
      module: AuditAppModule,
      imports: [
        loggingModule(config.LOG_LEVEL, 'audit'),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, migrations: auditMigrations, applicationName: 'plaza-audit' }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: 'plaza-audit' }),
        pipeline,
        HealthModule.forRoot(pipeline),
      ],
      controllers: [LedgerController],
    };
  }
}
