import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { KafkaAdmin, KafkaJsPublisher, type OutgoingMessage } from '@plaza/kafka';
import { mapPool } from '../import/http';

/** A throughput figure: `count` items in `seconds`. */
export interface Rate {
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
}

export function rate(count: number, ms: number): Rate {
  const seconds = ms / 1000;
  return { count, seconds: Number(seconds.toFixed(3)), perSecond: Math.round(count / Math.max(seconds, 1e-9)) };
}

/** A value shaped like an event envelope of a ballot (about the size the relay publishes). */
function envelopeLike(roundId: string, i: number): string {
  return JSON.stringify({
    id: randomUUID(),
    type: 'BallotCast',
    schemaVersion: 1,
    streamId: `ballot-${roundId}-${randomBytes(32).toString('hex')}`,
    streamVersion: 1,
    roundId,
    occurredAt: new Date().toISOString(),
    producer: 'voting',
    correlationId: randomUUID(),
    causationId: null,
    payload: {
      ballotId: randomUUID(),
      voterPseudonym: randomBytes(32).toString('hex'),
      unitId: 'centre',
      channel: 'online',
      choices: [randomUUID(), randomUUID(), randomUUID()],
      seq: i,
    },
  });
}

export interface KafkaBaselineOptions {
  readonly brokers: readonly string[];
  readonly messages: number;
  /** Messages per send (the outbox relay sends a batch per poll). */
  readonly batchSize: number;
  /** Sends in flight at once (the publisher keeps one request in flight per broker, so more only queue). */
  readonly concurrency: number;
}

/**
 * Produce throughput with libs/kafka's own publisher (idempotent, acks = all) on a fresh 3-partition topic
 * that is deleted afterwards. Keys spread over 50 "rounds" so every partition gets traffic.
 */
export async function kafkaProduceBaseline(o: KafkaBaselineOptions): Promise<Rate> {
  const topic = `plaza-bench-${randomBytes(4).toString('hex')}`;
  const admin = new KafkaAdmin({ brokers: o.brokers, clientId: 'plaza-bench-admin' });
  const publisher = new KafkaJsPublisher({ brokers: o.brokers, clientId: 'plaza-bench' });
  try {
    await admin.ensureTopics([{ topic, numPartitions: 3 }]);
    await publisher.connect();
    const rounds = Array.from({ length: 50 }, () => randomUUID());
    const batches: OutgoingMessage[][] = [];
    for (let i = 0; i < o.messages; i += o.batchSize) {
      const batch: OutgoingMessage[] = [];
      for (let j = i; j < Math.min(o.messages, i + o.batchSize); j++) {
        const roundId = rounds[j % rounds.length];
        batch.push({ key: roundId, value: envelopeLike(roundId, j), headers: { 'event-id': randomUUID() } });
      }
      batches.push(batch);
    }
    await publisher.send(topic, batches[0].slice(0, 1)); // warm-up: metadata and producer id
    const started = performance.now();
    await mapPool(batches, o.concurrency, (batch) => publisher.send(topic, batch));
    return rate(o.messages, performance.now() - started);
  } finally {
    await publisher.disconnect().catch(() => undefined);
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

export interface PgBaselineOptions {
  readonly databaseUrl: string;
  readonly rows: number;
  /** Rows per INSERT statement (1 = one autocommitted INSERT per row). */
  readonly batchSize: number;
  /** Connections writing at once. */
  readonly connections: number;
}

/**
 * INSERT throughput into a table shaped like `<schema>.events` (identity key, unique event id and
 * (stream, version), jsonb payload), in a fresh schema dropped afterwards. Each statement is its own
 * transaction, so single-row inserts measure commits (WAL flushes) per second.
 */
export async function pgInsertBaseline(o: PgBaselineOptions): Promise<Rate> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: o.databaseUrl });
  await admin.connect();
  const clients: Client[] = [];
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`
      CREATE TABLE ${schema}.events (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        stream_id text NOT NULL,
        stream_version integer NOT NULL,
        type text NOT NULL,
        round_id text NOT NULL,
        payload jsonb NOT NULL,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE (stream_id, stream_version)
      )`);
    for (let i = 0; i < o.connections; i++) {
      const c = new Client({ connectionString: o.databaseUrl });
      await c.connect();
      clients.push(c);
    }
    const roundId = randomUUID();
    const statements: { text: string; values: unknown[] }[] = [];
    for (let i = 0; i < o.rows; i += o.batchSize) {
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (let j = i; j < Math.min(o.rows, i + o.batchSize); j++) {
        const b = values.length;
        tuples.push(`($${b + 1}, $${b + 2}, 1, 'BallotCast', $${b + 3}, $${b + 4})`);
        values.push(randomUUID(), `ballot-${roundId}-${j}`, roundId, envelopeLike(roundId, j));
      }
      statements.push({
        text: `INSERT INTO ${schema}.events (event_id, stream_id, stream_version, type, round_id, payload) VALUES ${tuples.join(',')}`,
        values,
      });
    }
    const free = [...clients];
    const started = performance.now();
    await mapPool(statements, o.connections, async (s) => {
      const c = free.pop()!;
      try {
        await c.query(s.text, s.values);
      } finally {
        free.push(c);
      }
    });
    return rate(o.rows, performance.now() - started);
  } finally {
    for (const c of clients) await c.end().catch(() => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}
