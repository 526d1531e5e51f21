import { randomUUID } from 'node:crypto';
import { topicFor, validateEnvelope, type PlazaEvent } from '@plaza/contracts';
import { TopicRebuildSource, type RebuildableProjection } from '@plaza/event-store';
import type { KafkaAdmin } from '@plaza/kafka';
import type { SubscriberFactory } from '@plaza/kafka/nest';
import type { DataSource } from 'typeorm';
import { RoundViewStore } from './round-projection';

/**
 * Voting's round projection (tables rounds and proposals) rebuilt from the proposals topic, read from the start
 * by a throwaway consumer group up to where the live consumer `rounds` is. The close columns (closed_event_id,
 * closed_at) come from voting's own log, the VotingClosed event the live close appends with them. Secrets,
 * registrations and the close itself are never replayed: a rebuild writes no event.
 */
export function roundsRebuild(deps: {
  dataSource: DataSource;
  schema: string;
  topicPrefix: string;
  subscribers: SubscriberFactory;
  admin: KafkaAdmin;
}): RebuildableProjection {
  const view = new RoundViewStore();
  return {
    name: 'rounds',
    tables: ['rounds', 'proposals'],
    source: () =>
      new TopicRebuildSource({
        dataSource: deps.dataSource,
        schema: deps.schema,
        consumer: 'rounds',
        topic: topicFor('proposals', deps.topicPrefix),
        subscriber: deps.subscribers.create(),
        groupId: `${deps.topicPrefix}.voting.rebuild.${randomUUID()}`,
        endOffsets: (topic) => deps.admin.topicEndOffsets(topic),
        validate: validateEnvelope,
        // The live runner's group, as EventPipeline names it (`<topicPrefix>.voting.<projection>`).
        liveCommitted: (topic) => deps.admin.groupOffsets(`${deps.topicPrefix}.voting.rounds`, topic),
        deleteGroup: (groupId) => deps.admin.deleteGroup(groupId),
      }),
    applyBatch: async (events, manager, schema) => {
      for (const envelope of events) {
        const event = envelope as PlazaEvent;
        await view.apply(event, manager, schema);
        // Live, the close runs right after this phase change, before any later event of the round.
        if (event.type === 'RoundPhaseChanged' && (event.payload.to === 'closed' || event.payload.to === 'published')) {
          await view.markClosed(manager, schema, deps.schema, event.roundId);
        }
      }
    },
    // A close whose phase change the bulk pass read before the live consumer had applied it (and closed).
    finish: (manager, schema) => view.markClosed(manager, schema, deps.schema),
  };
}
