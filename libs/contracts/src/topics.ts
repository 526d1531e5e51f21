import type { Producer } from './envelope';

/** One topic per producing service, keyed by roundId (DESIGN.md). A prefix lets tests use fresh topics. */
export function topicFor(producer: Producer, prefix = 'plaza'): string {
  return `${prefix}.${producer}.events`;
}

export const DEFAULT_TOPIC_PARTITIONS = 3;
