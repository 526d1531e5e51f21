import type { Producer } from './envelope';

/** One topic per producing service, keyed by roundId (DESIGN.md). A prefix lets tests use fresh topics. */
export function topicFor(producer: Producer, prefix = 'plaza'): string {
  return `${prefix}.${producer}.events`;
}

export const DEFAULT_TOPIC_PARTITIONS = 3;

/** Which producers' topics each service consumes (DESIGN.md's table; the app modules' projections read these). */
export const CONSUMES: Readonly<Record<Producer, readonly Producer[]>> = {
  // Its own topic: the notifications context (apps/proposals/src/notifications) makes notifications from published events.
  proposals: ['proposals'],
  voting: ['proposals'],
  audit: ['proposals', 'voting'],
};

/**
 * Least privilege on Kafka for a deployment on `prefix`: each service's principal writes only its own topic, reads
 * only what it consumes, sees the three topics (it ensures they exist at start), and uses only its own consumer
 * groups (`<prefix>.<service>.<projection>`). Give it to KafkaAdmin.grantAccess.
 */
export function kafkaAccessPlan(prefix: string, principals: Readonly<Record<Producer, string>>) {
  const all = (['proposals', 'voting', 'audit'] as const).map((p) => topicFor(p, prefix));
  return (['proposals', 'voting', 'audit'] as const).map((service) => ({
    principal: `User:${principals[service]}`,
    writes: [topicFor(service, prefix)],
    reads: CONSUMES[service].map((p) => topicFor(p, prefix)),
    describes: all,
    groupPrefix: `${prefix}.${service}.`,
  }));
}
