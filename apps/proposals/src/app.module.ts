import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { eventStoreMigrations } from '@plaza/event-store';
import { KafkaModule } from '@plaza/kafka/nest';
import { CLOCK, DatabaseModule, EventPipelineModule, HealthModule, loggingModule, systemClock, type Clock } from '@plaza/nest-runtime';
import type { ProposalsConfig } from './config/proposals.config';
import { AcceptProposalHandler } from './proposals/commands/accept-proposal.handler';
import { SubmitProposalHandler } from './proposals/commands/submit-proposal.handler';
import { ProposalQueries } from './proposals/proposal.queries';
import { ProposalsController } from './proposals/proposals.controller';
import { ChangePhaseHandler } from './rounds/commands/change-phase.handler';
import { CreateRoundHandler } from './rounds/commands/create-round.handler';
import { AggregateLoader } from './rounds/round.repository';
import { RoundsController } from './rounds/rounds.controller';

export const proposalsMigrations = [...eventStoreMigrations];

@Module({})
export class ProposalsAppModule {
  static register(config: ProposalsConfig & { DB_SCHEMA: string }, options: { clock?: Clock } = {}): DynamicModule {
    const pipeline = EventPipelineModule.forRoot({ producer: 'proposals', topicPrefix: config.KAFKA_TOPIC_PREFIX, projections: [] });
    return {
      module: ProposalsAppModule,
      imports: [
        loggingModule(config.LOG_LEVEL, 'proposals'),
        CqrsModule.forRoot(),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, migrations: proposalsMigrations, applicationName: 'plaza-proposals' }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: 'plaza-proposals' }),
        pipeline,
        HealthModule.forRoot(pipeline),
      ],
      controllers: [RoundsController, ProposalsController],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        AggregateLoader,
        ProposalQueries,
        CreateRoundHandler,
        ChangePhaseHandler,
        SubmitProposalHandler,
        AcceptProposalHandler,
      ],
    };
  }
}
