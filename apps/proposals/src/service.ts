import type { ServiceDefinition } from '@plaza/nest-runtime';
import type { Clock } from '@plaza/nest-runtime';
import { ProposalsAppModule, proposalsMigrations } from './app.module';
import { loadProposalsConfig } from './config/proposals.config';

/** The proposals service as the launcher, the tests and main.ts start it. */
export function proposalsService(env: Record<string, string | undefined> = process.env, options: { clock?: Clock } = {}): ServiceDefinition {
  const config = loadProposalsConfig(env);
  return {
    name: 'proposals',
    description: 'Budget rounds and proposals: administrators configure rounds, residents propose, staff review.',
    module: ProposalsAppModule.register(config, options),
    config,
    migrations: proposalsMigrations,
  };
}
