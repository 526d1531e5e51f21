import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ThrottlerModule } from '@nestjs/throttler';
import { eventStoreMigrations } from '@plaza/event-store';
import { KafkaModule } from '@plaza/kafka/nest';
import { AuthModule, CLOCK, DatabaseModule, EventPipelineModule, HealthModule, kafkaConnection, loggingModule, RebuildModule, systemClock, type Clock } from '@plaza/nest-runtime';
import type { ProposalsConfig } from './config/proposals.config';
import { ProposalsReadModel1764200000000 } from './migrations/1764200000000-proposals-read-model';
import { Notifications1765100000000 } from './migrations/1765100000000-notifications';
import { MAIL_CONFIG, MailSender } from './notifications/mail.sender';
import { NotificationsController } from './notifications/notifications.controller';
import { notificationsProjection } from './notifications/notifications.projection';
import { NotificationsStore } from './notifications/notifications.store';
import { Conversation1766100000000 } from './migrations/1766100000000-conversation';
import { CommentsController } from './comments/comments.controller';
import { CommentsStore } from './comments/comments.store';
import { DecideCommentHandler } from './comments/commands/decide-comment.handler';
import { COMMENT_WINDOW_MS } from './comments/resident-throttle';
import { DecideReportHandler } from './moderation/commands/decide-report.handler';
import { ModerationController } from './moderation/moderation.controller';
import { ReportsStore } from './moderation/reports.store';
import { Pseudonyms } from './store/pseudonyms';
import { SupportPhase1765600000000 } from './migrations/1765600000000-support-phase';
import { DecideProposalHandler, MergeProposalsHandler } from './proposals/commands/decide-proposal.handler';
import { ProposalsController } from './proposals/proposals.controller';
import { DecideRoundHandler } from './rounds/commands/decide-round.handler';
import { RoundScheduler, SCHEDULER_INTERVAL_MS } from './rounds/round.scheduler';
import { RoundsController } from './rounds/rounds.controller';
import { Aggregates } from './store/aggregates';
import { ReadModel } from './store/queries';
import { SupportStore } from './store/supports';
import { DecideSupportHandler } from './support/commands/decide-support.handler';
import { SupportController } from './support/support.controller';
import { viewsRebuild } from './store/views.rebuild';
import { DataSource } from 'typeorm';

export const proposalsMigrations = [...eventStoreMigrations, ProposalsReadModel1764200000000, Notifications1765100000000, SupportPhase1765600000000, Conversation1766100000000];

@Module({})
export class ProposalsAppModule {
  static register(config: ProposalsConfig & { DB_SCHEMA: string }, options: { clock?: Clock } = {}): DynamicModule {
    const pipeline = EventPipelineModule.forRoot({ producer: 'proposals', topicPrefix: config.KAFKA_TOPIC_PREFIX,
      projections: [notificationsProjection(config.DB_SCHEMA, { enabled: config.mailEnabled, webOrigin: config.WEB_ORIGIN })],
    });
    return {
      module: ProposalsAppModule,
      imports: [
        loggingModule(config.LOG_LEVEL, 'proposals'),
        CqrsModule.forRoot(),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, migrations: proposalsMigrations, applicationName: 'plaza-proposals' }),
        KafkaModule.forRoot(kafkaConnection(config, 'plaza-proposals')),
        pipeline,
        HealthModule.forRoot(pipeline),
        RebuildModule.forRoot({ useFactory: (dataSource: DataSource) => [viewsRebuild({ dataSource, schema: config.DB_SCHEMA })], inject: [DataSource] }),
        // Hosts the development identity provider (POST /auth/dev/token) when AUTH_DEV_IDP=true.
        AuthModule.forRoot(config, { devIdentityProvider: true }),
        // Comments and reports per resident (ResidentThrottleGuard), counted in this process's memory.
        ThrottlerModule.forRoot({ throttlers: [{ ttl: COMMENT_WINDOW_MS, limit: config.COMMENTS_PER_MINUTE }] }),
      ],
      controllers: [RoundsController, ProposalsController, NotificationsController, CommentsController, ModerationController, SupportController],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: SCHEDULER_INTERVAL_MS, useValue: config.SCHEDULER_INTERVAL_MS },
        Aggregates,
        ReadModel,
        RoundScheduler,
        DecideRoundHandler,
        DecideProposalHandler,
        MergeProposalsHandler,
        { provide: MAIL_CONFIG, useValue: config },
        NotificationsStore,
        MailSender,
        Pseudonyms,
        CommentsStore,
        ReportsStore,
        DecideCommentHandler,
        DecideReportHandler,
        SupportStore,
        DecideSupportHandler,
      ],
    };
  }
}
