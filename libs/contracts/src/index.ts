export * from './envelope';
export * from './topics';
export * from './money';
export * from './proposals.events';
export * from './voting.events';
export * from './registry';
export * from './new-event';
export * from './refusal';
