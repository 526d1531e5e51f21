import type { Clock, ServiceDefinition } from '@plaza/nest-runtime';
import { VotingAppModule, votingMigrations } from './app.module';
import { loadVotingConfig } from './config/voting.config';

export function votingService(env: Record<string, string | undefined> = process.env, options: { clock?: Clock } = {}): ServiceDefinition {
  const config = loadVotingConfig(env);
  return {
    name: 'voting',
    description: 'Eligibility, ballots and the official tally; validates ballots against its own Kafka-fed view of rounds.',
    module: VotingAppModule.register(config, options),
    config,
    migrations: votingMigrations,
  };
}
