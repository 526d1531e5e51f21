import { Module, type DynamicModule } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { eventStoreMigrations } from '@plaza/event-store';
import { KafkaAdmin } from '@plaza/kafka';
import { KafkaModule, SubscriberFactory } from '@plaza/kafka/nest';
import { AuthModule, CLOCK, DatabaseModule, EventPipelineModule, HealthModule, kafkaConnection, loggingModule, RebuildModule, systemClock, type Clock } from '@plaza/nest-runtime';
import { BALLOT_GROUPS, BallotGroups } from './ballots/ballot-groups';
import { BallotsController } from './ballots/ballots.controller';
import { BallotsService } from './ballots/ballots.service';
import { EligibilityController } from './eligibility/eligibility.controller';
import { EligibilityService } from './eligibility/eligibility.service';
import { SignInLimitsStore } from './eligibility/sign-in-limits.store';
import { SIGN_IN_WINDOW_MS } from './eligibility/sign-in-throttle';
import { PaperController } from './paper/paper.controller';
import { PaperService } from './paper/paper.service';
import { PaperStore } from './paper/paper.store';
import { VotingReadModel } from './store/read-model';
import { PARTICIPATION_MIN_CELL } from './results/participation';
import { ResultsController } from './results/results.controller';
import type { VotingConfig } from './config/voting.config';
import { VotingProjections1764100000000 } from './migrations/1764100000000-voting-projections';
import { PaperRefusals1764130000000 } from './migrations/1764130000000-paper-refusals';
import { BallotSecrets1764140000000 } from './migrations/1764140000000-ballot-secrets';
import { InsiderControls1765100000000 } from './migrations/1765100000000-insider-controls';
import { SignInLimits1765300000000 } from './migrations/1765300000000-sign-in-limits';
import { RoundProjection } from './projection/round-projection';
import { roundsRebuild } from './projection/rounds.rebuild';
import { RoundSecretController, RoundSecrets, SECRET_POLICY } from './rounds/round-secret';

export const votingMigrations = [
  ...eventStoreMigrations,
  VotingProjections1764100000000,
  PaperRefusals1764130000000,
  BallotSecrets1764140000000,
  InsiderControls1765100000000,
  SignInLimits1765300000000,
];

@Module({})
export class VotingAppModule {
  static register(config: VotingConfig & { DB_SCHEMA: string }, options: { clock?: Clock } = {}): DynamicModule {
    const projection = new RoundProjection(config.DB_SCHEMA, config.AGE_BAND_MIN_CELL);
    const pipeline = EventPipelineModule.forRoot({
      producer: 'voting',
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      projections: [{ name: 'rounds', from: ['proposals'], apply: projection.apply }],
    });
    return {
      module: VotingAppModule,
      imports: [
        loggingModule(config.LOG_LEVEL, 'voting'),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, migrations: votingMigrations, applicationName: 'plaza-voting' }),
        KafkaModule.forRoot(kafkaConnection(config, 'plaza-voting')),
        pipeline,
        HealthModule.forRoot(pipeline),
        RebuildModule.forRoot({
          useFactory: (dataSource: DataSource, subscribers: SubscriberFactory, admin: KafkaAdmin) => [
            roundsRebuild({ dataSource, schema: config.DB_SCHEMA, topicPrefix: config.KAFKA_TOPIC_PREFIX, subscribers, admin }),
          ],
          inject: [DataSource, SubscriberFactory, KafkaAdmin],
        }),
        // Signs and alone accepts voting-code tokens (TokenIssuer), with its own AUTH_VOTING_CODE_KEY(_FILE).
        AuthModule.forRoot(config, { issuesVotingCodes: true }),
        // Counted in PostgreSQL, so the limit holds across every voting instance behind the origin.
        ThrottlerModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            throttlers: [{ ttl: SIGN_IN_WINDOW_MS, limit: config.CODE_SIGNIN_PER_MINUTE }],
            storage: new SignInLimitsStore(dataSource, config.DB_SCHEMA),
          }),
        }),
      ],
      controllers: [BallotsController, EligibilityController, PaperController, ResultsController, RoundSecretController],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: PARTICIPATION_MIN_CELL, useValue: config.AGE_BAND_MIN_CELL },
        { provide: SECRET_POLICY, useValue: { afterDays: config.DESTROY_SECRET_AFTER_DAYS, sweepIntervalMs: config.SECRET_SWEEP_INTERVAL_MS } },
        RoundSecrets,
        {
          provide: BALLOT_GROUPS,
          useFactory: () =>
            new BallotGroups({ windowMs: config.BALLOT_GROUP_WINDOW_MS, maxSize: config.BALLOT_GROUP_MAX, concurrency: config.BALLOT_GROUP_CONCURRENCY }),
        },
        BallotsService,
        EligibilityService,
        PaperService,
        PaperStore,
        VotingReadModel,
      ],
    };
  }
}
