import type { EventEnvelope } from '@plaza/contracts';
import { quoteIdent, type MessageContext } from '@plaza/event-store';
import { canonicalBytes, leafHash } from '@plaza/ledger';
import type { EntityManager } from 'typeorm';

/**
 * Appends every consumed event to the ledger in consumption order. Runs inside the projection runner's
 * transaction (with the processed-event record), so a redelivered event is never appended twice; the
 * head row is locked for the append so concurrent batches cannot leave gaps or reuse an index.
 */
/**
 * Appends one event to the ledger under the head row's lock and returns its index (the projection and key
 * rotations). One statement: the head's UPDATE and the entry's INSERT in data-modifying CTEs, and for a ballot its
 * receipt-check row as well, so a ballot costs one round trip to PostgreSQL instead of three.
 */
export async function appendToLedger(
  manager: EntityManager,
  schema: string,
  envelope: EventEnvelope,
  source: { topic: string; partition: number; offset: string | number },
): Promise<number> {
  const s = quoteIdent(schema);
  const bytes = canonicalBytes(envelope);
  const ballot = envelope.type === 'BallotCast';
  const params: unknown[] = [envelope.id, leafHash(bytes), bytes, envelope.type, envelope.roundId, envelope.producer, source.topic, source.partition, source.offset];
  if (ballot) params.push(envelope.streamId, envelope.streamVersion, (envelope.payload as { unitId: string }).unitId);
  const [{ index }]: { index: string }[] = await manager.query(
    `WITH head AS (UPDATE ${s}.ledger_head SET size = size + 1 WHERE id RETURNING size - 1 AS index),
          entry AS (INSERT INTO ${s}.ledger_entries (index, event_id, leaf_hash, canonical, event_type, round_id, producer, topic, partition, kafka_offset)
                    SELECT head.index, $1::uuid, $2::bytea, $3::bytea, $4::text, $5::text, $6::text, $7::text, $8::integer, $9::bigint FROM head RETURNING index)` +
      // For receipt checks: is a later version of this voter's ballot in this unit in the ledger?
      (ballot ? `, ballot AS (INSERT INTO ${s}.ballot_entries (event_id, round_id, stream_id, stream_version, unit_id) VALUES ($1::uuid, $5::text, $10::text, $11::integer, $12::text))` : '') +
      ` SELECT index FROM entry`,
    params,
  );
  return Number(index);
}

export class LedgerProjection {
  constructor(private readonly schema: string) {}

  readonly apply = async (envelope: EventEnvelope, manager: EntityManager, context: MessageContext): Promise<void> => {
    await appendToLedger(manager, this.schema, envelope, context);
  };
}
