import { Module, type DynamicModule } from '@nestjs/common';
import { eventStoreMigrations } from '@plaza/event-store';
import { KafkaModule } from '@plaza/kafka/nest';
import { AuthModule, CLOCK, DatabaseModule, EventPipelineModule, HealthModule, kafkaConnection, loggingModule, RebuildModule, systemClock, type Clock } from '@plaza/nest-runtime';
import { BundleController } from './bundle/bundle.controller';
import { BundleService } from './bundle/bundle.service';
import type { LoadedAuditConfig } from './config/audit.config';
import { Checkpointer } from './ledger/checkpoints';
import { LedgerController } from './ledger/ledger.controller';
import { LedgerProjection } from './ledger/ledger.projection';
import { ballotEntriesRebuild } from './ledger/ballot-entries.rebuild';
import { DataSource } from 'typeorm';
import { LedgerQuery } from './ledger/ledger-query';
import { LedgerTree } from './ledger/ledger-tree';
import { LEDGER_PROJECTION, LedgerFence, LedgerLease } from './ledger/ledger-lease';
import { ProofsController } from './ledger/proofs.controller';
import { CosignaturesController } from './ledger/cosignatures.controller';
import { Witnesses } from './ledger/witnesses';
import { KeyRotation, KeyRotationController } from './ledger/key-rotation';
import { AUDIT_CONFIG, SigningKey } from './ledger/signing-key';
import { Ledger1764110000000 } from './migrations/1764110000000-ledger';
import { Checkpoints1764120000000 } from './migrations/1764120000000-checkpoints';
import { BallotFates1764150000000 } from './migrations/1764150000000-ballot-fates';
import { Cosignatures1764160000000 } from './migrations/1764160000000-cosignatures';
import { KeyHistory1764170000000 } from './migrations/1764170000000-key-history';
import { LedgerLease1765300000000 } from './migrations/1765300000000-ledger-lease';
import { SupportVerifications1765600000000 } from './migrations/1765600000000-support-verifications';
import { RecountService } from './recount/recount.service';
import { SupportRecountService } from './recount/support-recount.service';
import { VerificationController } from './recount/verification.controller';

export const auditMigrations = [...eventStoreMigrations, Ledger1764110000000, Checkpoints1764120000000, BallotFates1764150000000, Cosignatures1764160000000, KeyHistory1764170000000, LedgerLease1765300000000, SupportVerifications1765600000000];

@Module({})
export class AuditAppModule {
  static register(config: LoadedAuditConfig, options: { clock?: Clock } = {}): DynamicModule {
    const fence = new LedgerFence(config.DB_SCHEMA, config.LEDGER_LEASE_TTL_MS);
    const ledger = new LedgerProjection(config.DB_SCHEMA, fence);
    const pipeline = EventPipelineModule.forRoot({
      producer: 'audit',
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      // Only the instance holding the ledger lease consumes (LedgerLease starts and stops it).
      projections: [{ name: LEDGER_PROJECTION, from: ['proposals', 'voting'], apply: ledger.apply, autoStart: false }],
    });
    return {
      module: AuditAppModule,
      imports: [
        loggingModule(config.LOG_LEVEL, 'audit'),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, migrations: auditMigrations, applicationName: 'plaza-audit' }),
        KafkaModule.forRoot(kafkaConnection(config, 'plaza-audit')),
        pipeline,
        HealthModule.forRoot(pipeline),
        RebuildModule.forRoot({ useFactory: (dataSource: DataSource) => [ballotEntriesRebuild({ dataSource, schema: config.DB_SCHEMA })], inject: [DataSource] }),
        AuthModule.forRoot(config),
      ],
      providers: [
        { provide: AUDIT_CONFIG, useValue: config },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: LedgerFence, useValue: fence },
        LedgerLease,
        LedgerTree,
        LedgerQuery,
        SigningKey,
        Witnesses,
        KeyRotation,
        Checkpointer,
        RecountService,
        SupportRecountService,
        BundleService,
      ],
      controllers: [LedgerController, ProofsController, CosignaturesController, KeyRotationController, VerificationController, BundleController],
    };
  }
}
