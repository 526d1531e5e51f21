import type { IncomingBatch, IncomingMessage } from '@plaza/kafka';
import { v7 as uuidv7 } from 'uuid';
import { eventStoreMigrations } from '../src/migrations';
import { ProjectionRunner } from '../src/projection-runner';
import { quoteIdent } from '../src/sql';
import { CreateTestProjection1764099999999, TestProjection, validateTestEnvelope } from './projection-fixture';
import { newEvent, newQuietLogger, openTestDatabase, type TestDatabase } from './support';

let db: TestDatabase;
let s: string;
const TOPIC = 'plaza.proposals.events';

beforeAll(async () => {
  db = await openTestDatabase([...eventStoreMigrations, CreateTestProjection1764099999999]);
  s = quoteIdent(db.schema);
});

afterAll(async () => {
  await db?.close();
});

let nextOffset = 0;
function envelopeMessage(overrides: Record<string, unknown> = {}): IncomingMessage {
  const envelope = { ...newEvent(), streamId: 'proposal-1', streamVersion: 1, ...overrides };
  return rawMessage(JSON.stringify(envelope), { 'event-id': envelope.id as string });
}
function rawMessage(value: string | Buffer | null, headers: Record<string, string> = {}): IncomingMessage {
  return {
    topic: TOPIC,
    partition: 0,
    offset: String(nextOffset++),
    key: 'round-1',
    value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
    headers,
  };
}
const batch = (messages: IncomingMessage[]): IncomingBatch => ({ topic: TOPIC, partition: 0, messages });
const idOf = (m: IncomingMessage) => JSON.parse(m.value!.toString()).id as string;

function newRunner(name: string) {
  const projection = new TestProjection(db.schema);
  const logger = newQuietLogger();
  const runner = new ProjectionRunner({
    name,
    dataSource: db.dataSource,
    topics: [TOPIC],
    validate: validateTestEnvelope,
    apply: projection.apply,
    logger,
  });
  return { runner, projection, logger };
}

async function projected(): Promise<{ event_id: string; kafka_offset: string }[]> {
  return db.dataSource.query(`SELECT event_id, kafka_offset FROM ${s}.projected ORDER BY seq`);
}
async function deadLetters(consumer: string) {
  return db.dataSource.query(
    `SELECT kafka_offset, key, value, headers, event_id, event_type, reason FROM ${s}.dead_letters WHERE consumer = $1 ORDER BY kafka_offset`,
    [consumer],
  ) as Promise<{ kafka_offset: string; key: string | null; value: Buffer | null; headers: Record<string, string>; event_id: string | null; event_type: string | null; reason: string }[]>;
}

beforeEach(async () => {
  await db.dataSource.query(`TRUNCATE ${s}.projected, ${s}.processed_events, ${s}.dead_letters`);
});

it('applies a batch in offset order, recording each event as processed in the same transaction', async () => {
  const { runner } = newRunner('c-order');
  const messages = [envelopeMessage(), envelopeMessage({ type: 'RoundOpened' }), envelopeMessage()];
  const outcome = await runner.handleBatch(batch([messages[2], messages[0], messages[1]]));
  expect(outcome).toEqual({ applied: 3, duplicates: 0, deadLettered: 0 });
  expect((await projected()).map((r) => r.event_id)).toEqual(messages.map(idOf));
  const processed = await db.dataSource.query(`SELECT event_id, kafka_offset FROM ${s}.processed_events WHERE consumer = 'c-order' ORDER BY kafka_offset`);
  expect(processed).toEqual(messages.map((m) => ({ event_id: idOf(m), kafka_offset: m.offset })));
});

it('parks malformed and unknown messages with their reason and applies the rest of the batch', async () => {
  const { runner, logger } = newRunner('c-dead');
  const good1 = envelopeMessage();
  const malformed = rawMessage('{"id": "oops', { 'event-type': 'ProposalSubmitted' });
  const unknown = envelopeMessage({ type: 'SomethingNew' });
  const empty = rawMessage(null);
  const notUtf8 = rawMessage(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
  const badId = envelopeMessage({ id: 'not-a-uuid' });
  const good2 = envelopeMessage();
  const all = [good1, malformed, unknown, empty, notUtf8, badId, good2];

  expect(await runner.handleBatch(batch(all))).toEqual({ applied: 2, duplicates: 0, deadLettered: 5 });
  expect((await projected()).map((r) => r.event_id)).toEqual([idOf(good1), idOf(good2)]);
  const parked = await deadLetters('c-dead');
  expect(parked.map((d) => [d.kafka_offset, d.reason])).toEqual([
    [malformed.offset, expect.stringMatching(/^malformed JSON/)],
    [unknown.offset, 'unknown event type SomethingNew'],
    [empty.offset, 'message has no value'],
    [notUtf8.offset, expect.stringMatching(/^malformed JSON/)],
    [badId.offset, 'event id "not-a-uuid" is not a UUID'],
  ]);
  // The raw bytes and headers are kept exactly, for a later fix-and-replay.
  expect(parked[0].value).toEqual(malformed.value);
  expect(parked[0].headers).toEqual({ 'event-type': 'ProposalSubmitted' });
  expect(parked[0].key).toBe('round-1');
  expect(parked[3].value).toEqual(notUtf8.value);
  expect(parked[1]).toMatchObject({ event_id: idOf(unknown), event_type: 'SomethingNew' });
  expect(logger.warnings).toHaveLength(5);

  // Redelivery of the whole batch changes nothing.
  expect(await runner.handleBatch(batch(all))).toEqual({ applied: 0, duplicates: 2, deadLettered: 5 });
  expect(await projected()).toHaveLength(2);
  expect(await deadLetters('c-dead')).toHaveLength(5);
});

it('applies an event once however often it is delivered, within a batch or across batches', async () => {
  const { runner } = newRunner('c-dup');
  const event = envelopeMessage();
  const copy = rawMessage(event.value!.toString()); // republished by a relay after a crash: new offset
  expect(await runner.handleBatch(batch([event, copy]))).toEqual({ applied: 1, duplicates: 1, deadLettered: 0 });
  const later = rawMessage(event.value!.toString());
  expect(await runner.handleBatch(batch([later, envelopeMessage()]))).toEqual({ applied: 1, duplicates: 1, deadLettered: 0 });
  const rows = await projected();
  expect(rows.filter((r) => r.event_id === idOf(event))).toEqual([{ event_id: idOf(event), kafka_offset: event.offset }]);

  // Another consumer keeps its own record.
  const other = newRunner('c-dup-other');
  expect(await other.runner.handleBatch(batch([event]))).toEqual({ applied: 1, duplicates: 0, deadLettered: 0 });
});

it('commits nothing of a batch whose apply fails, so redelivery applies it whole', async () => {
  const { runner, projection, logger } = newRunner('c-fail');
  const messages = [envelopeMessage(), envelopeMessage(), rawMessage('not json'), envelopeMessage()];
  projection.failOnceFor.add(idOf(messages[1]));

  await expect(runner.handleBatch(batch(messages))).rejects.toThrow('connection reset (test)');
  expect(await projected()).toEqual([]);
  expect(await db.dataSource.query(`SELECT * FROM ${s}.processed_events WHERE consumer = 'c-fail'`)).toEqual([]);
  expect(await deadLetters('c-fail')).toEqual([]);
  expect(logger.errors).toHaveLength(1);

  expect(await runner.handleBatch(batch(messages))).toEqual({ applied: 3, duplicates: 0, deadLettered: 1 });
  expect((await projected()).map((r) => r.event_id)).toEqual([messages[0], messages[1], messages[3]].map(idOf));
});

it('dead-letters an event the projection rejects, keeps the rest, and leaves it unprocessed for a replay', async () => {
  const { runner } = newRunner('c-reject');
  const before = envelopeMessage();
  const rejected = envelopeMessage({ type: 'RoundClosed', roundId: 'round-9' });
  const after = envelopeMessage();
  expect(await runner.handleBatch(batch([before, rejected, after]))).toEqual({ applied: 2, duplicates: 0, deadLettered: 1 });
  // The rejected apply's own writes were rolled back with it.
  expect((await projected()).map((r) => r.event_id)).toEqual([idOf(before), idOf(after)]);
  expect(await deadLetters('c-reject')).toEqual([
    expect.objectContaining({
      kafka_offset: rejected.offset,
      event_id: idOf(rejected),
      event_type: 'RoundClosed',
      reason: 'rejected by projection: round round-9 was never opened here',
    }),
  ]);
  const processed: { event_id: string }[] = await db.dataSource.query(
    `SELECT event_id FROM ${s}.processed_events WHERE consumer = 'c-reject'`,
  );
  expect(processed.map((p) => p.event_id).sort()).toEqual([idOf(before), idOf(after)].sort());
});

it('keeps a consumer usable with a validator that throws', async () => {
  const projection = new TestProjection(db.schema);
  const runner = new ProjectionRunner({
    name: 'c-throwing-validator',
    dataSource: db.dataSource,
    topics: [TOPIC],
    validate: () => {
      throw new Error('validator bug');
    },
    apply: projection.apply,
    logger: newQuietLogger(),
  });
  expect(await runner.handleBatch(batch([envelopeMessage({ id: uuidv7() })]))).toEqual({ applied: 0, duplicates: 0, deadLettered: 1 });
  expect((await deadLetters('c-throwing-validator'))[0].reason).toBe('validator threw: Error: validator bug');
});
