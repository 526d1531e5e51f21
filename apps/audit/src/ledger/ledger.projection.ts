import type { EventEnvelope } from '@plaza/contracts';
import { quoteIdent, type MessageContext } from '@plaza/event-store';
import { canonicalBytes, leafHash } from '@plaza/ledger';
import type { EntityManager } from 'typeorm';
import { ballotEntriesParams, insertBallotEntries } from './ballot-entries.rebuild';
import type { LedgerFence } from './ledger-lease';

/**
 * Appends one event to the ledger under the head row's lock and returns its index (the projection and key
 * rotations). The fence is checked first, in the same transaction: only the lease holder's append can commit.
 * Then one statement: the head's UPDATE and the entry's INSERT in data-modifying CTEs, and for a ballot its
 * receipt-check row as well, so a ballot costs two round trips to PostgreSQL instead of four.
 */
export async function appendToLedger(
  manager: EntityManager,
  schema: string,
  fence: LedgerFence,
  envelope: EventEnvelope,
  source: { topic: string; partition: number; offset: string | number },
): Promise<number> {
  const token = await fence.check(manager);
  const s = quoteIdent(schema);
  const bytes = canonicalBytes(envelope);
  const ballot = envelope.type === 'BallotCast';
  const params: unknown[] = [envelope.id, leafHash(bytes), bytes, envelope.type, envelope.roundId, envelope.producer, source.topic, source.partition, source.offset, token];
  if (ballot) params.push(...ballotEntriesParams([envelope]));
  const [{ index }]: { index: string }[] = await manager.query(
    `WITH head AS (UPDATE ${s}.ledger_head SET size = size + 1 WHERE id RETURNING size - 1 AS index),
          entry AS (INSERT INTO ${s}.ledger_entries (index, event_id, leaf_hash, canonical, event_type, round_id, producer, topic, partition, kafka_offset, lease_token)
                    SELECT head.index, $1::uuid, $2::bytea, $3::bytea, $4::text, $5::text, $6::text, $7::text, $8::integer, $9::bigint, $10::bigint FROM head RETURNING index)` +
      // For receipt checks: is a later version of this voter's ballot in this unit in the ledger?
      (ballot ? `, ballot AS (${insertBallotEntries(schema, 11)})` : '') +
      ` SELECT index FROM entry`,
    params,
  );
  return Number(index);
}

/**
 * Appends every consumed event to the ledger in consumption order. Runs inside the projection runner's
 * transaction (with the processed-event record), so a redelivered event is never appended twice; the
 * head row is locked for the append so concurrent batches cannot leave gaps or reuse an index.
 */
export class LedgerProjection {
  constructor(
    private readonly schema: string,
    private readonly fence: LedgerFence,
  ) {}

  readonly apply = async (envelope: EventEnvelope, manager: EntityManager, context: MessageContext): Promise<void> => {
    await appendToLedger(manager, this.schema, this.fence, envelope, context);
  };
}
