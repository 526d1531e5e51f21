import type { EventEnvelope } from '@plaza/contracts';
import { quoteIdent, type MessageContext } from '@plaza/event-store';
import { canonicalBytes, leafHash } from '@plaza/ledger';
import type { EntityManager } from 'typeorm';
import { BallotEntriesStore } from './ballot-entries.rebuild';
import type { LedgerFence } from './ledger-lease';

/**
 * Appends one event to the ledger under the head row's lock and returns its index (the projection and key
 * rotations). The fence is checked first, in the same transaction: only the lease holder's append can commit.
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
  const [{ index }]: { index: string }[] = await manager.query(
    // A CTE so the driver hands back the returned row (TypeORM returns [rows, count] for a bare UPDATE).
    `WITH head AS (UPDATE ${s}.ledger_head SET size = size + 1 WHERE id RETURNING size - 1 AS index) SELECT index FROM head`,
  );
  await manager.query(
    `INSERT INTO ${s}.ledger_entries (index, event_id, leaf_hash, canonical, event_type, round_id, producer, topic, partition, kafka_offset, lease_token)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [index, envelope.id, leafHash(bytes), bytes, envelope.type, envelope.roundId, envelope.producer, source.topic, source.partition, source.offset, token],
  );
  return Number(index);
}

/**
 * Appends every consumed event to the ledger in consumption order. Runs inside the projection runner's
 * transaction (with the processed-event record), so a redelivered event is never appended twice; the
 * head row is locked for the append so concurrent batches cannot leave gaps or reuse an index.
 */
export class LedgerProjection {
  private readonly ballots = new BallotEntriesStore();

  constructor(
    private readonly schema: string,
    private readonly fence: LedgerFence,
  ) {}

  readonly apply = async (envelope: EventEnvelope, manager: EntityManager, context: MessageContext): Promise<void> => {
    await appendToLedger(manager, this.schema, this.fence, envelope, context);
    // For receipt checks: is a later version of this voter's ballot in this unit in the ledger?
    await this.ballots.record(manager, this.schema, [envelope]);
  };
}
