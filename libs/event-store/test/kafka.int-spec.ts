import { KafkaAdmin, KafkaJsPublisher, KafkaJsSubscriber, type IncomingMessage } from '@plaza/kafka';
import { expectEventually, TEST_KAFKA_BROKERS, uniqueName } from '@plaza/testing';
import { EventStore } from '../src/event-store';
import { eventStoreMigrations } from '../src/migrations';
import { OutboxRelay } from '../src/outbox-relay';
import { ProjectionRunner } from '../src/projection-runner';
import { quoteIdent } from '../src/sql';
import { CreateTestProjection1764099999999, TestProjection, validateTestEnvelope } from './projection-fixture';
import { newEvent, newQuietLogger, openTestDatabase, type TestDatabase } from './support';

// Both ends against the real broker: relay → Kafka → subscriber, and Kafka → projection runner.
const kafkaLog = () => undefined;
const connection = (clientId: string) => ({ brokers: TEST_KAFKA_BROKERS, clientId, log: kafkaLog });

let db: TestDatabase;
let store: EventStore;
let admin: KafkaAdmin;
let publisher: KafkaJsPublisher;
const prefix = uniqueName('es');
const relayTopic = `${prefix}.relay`;
const runnerTopic = `${prefix}.runner`;
const subscribers: KafkaJsSubscriber[] = [];

beforeAll(async () => {
  db = await openTestDatabase([...eventStoreMigrations, CreateTestProjection1764099999999]);
  store = new EventStore(db.dataSource);
  admin = new KafkaAdmin(connection('event-store-test-admin'));
  await admin.ensureTopics([
    { topic: relayTopic, numPartitions: 3 },
    { topic: runnerTopic, numPartitions: 1 },
  ]);
  publisher = new KafkaJsPublisher(connection('event-store-test-producer'));
}, 60_000);

afterAll(async () => {
  await Promise.all(subscribers.map((s) => s.stop()));
  await publisher?.disconnect();
  await admin?.deleteTopics([relayTopic, runnerTopic]).catch(() => undefined);
  await admin?.disconnect();
  await db?.close();
}, 60_000);

function newSubscriber(): KafkaJsSubscriber {
  const subscriber = new KafkaJsSubscriber(connection('event-store-test-consumer'), { sessionTimeoutMs: 6000 });
  subscribers.push(subscriber);
  return subscriber;
}

it('relays out-of-order commits to the broker, each event once, in commit-safe order per round', async () => {
  const relay = new OutboxRelay({
    dataSource: db.dataSource,
    publisher,
    topic: relayTopic,
    logger: newQuietLogger(),
  });
  const a = db.dataSource.createQueryRunner();
  const eventA = newEvent({ roundId: 'round-a' });
  const eventB = newEvent({ roundId: 'round-a' });
  const others = Array.from({ length: 20 }, (_, i) => newEvent({ roundId: `round-${i % 4}` }));
  try {
    await a.startTransaction();
    await store.appendInTransaction(a.manager, 'proposal-a', 0, [eventA]);
    await store.append('proposal-b', 0, [eventB]);
    expect(await relay.publishPending()).toBe(0);
    await a.commitTransaction();
  } finally {
    if (a.isTransactionActive) await a.rollbackTransaction();
    await a.release();
  }
  for (const [i, e] of others.entries()) await store.append(`proposal-${i}`, 0, [e]);
  relay.start();

  const received: IncomingMessage[] = [];
  await newSubscriber().start({
    groupId: uniqueName('relay-check'),
    topics: [relayTopic],
    fromBeginning: true,
    handle: async (batch) => {
      received.push(...batch.messages);
    },
  });
  const expected = [eventA, eventB, ...others];
  await expectEventually(() => expect(received).toHaveLength(expected.length), { timeoutMs: 30_000 });
  await relay.stop();

  const ids = received.map((m) => m.headers['event-id']);
  expect(new Set(ids)).toEqual(new Set(expected.map((e) => e.id)));
  expect(ids).toHaveLength(new Set(ids).size);
  for (const m of received) {
    const envelope = JSON.parse(m.value!.toString());
    expect(m.key).toBe(envelope.roundId);
    expect(m.headers).toMatchObject({ 'event-type': envelope.type, 'schema-version': '1', producer: 'proposals' });
  }
  // Same round → same partition → A (first to commit-safely) before B.
  const roundA = received.filter((m) => m.key === 'round-a').map((m) => m.headers['event-id']);
  expect(roundA).toEqual([eventA.id, eventB.id]);
}, 60_000);

it('feeds a projection from the broker: parks bad messages, applies each event once, retries failed batches', async () => {
  const projection = new TestProjection(db.schema);
  const logger = newQuietLogger();
  const runner = new ProjectionRunner({
    name: 'kafka-projection',
    dataSource: db.dataSource,
    subscriber: newSubscriber(),
    topics: [runnerTopic],
    groupId: uniqueName('projection'),
    validate: validateTestEnvelope,
    apply: projection.apply,
    logger,
  });
  const envelope = (type = 'ProposalSubmitted') => ({ ...newEvent({ type }), streamId: 'proposal-1', streamVersion: 1 });
  const valid1 = envelope();
  const unknown = envelope('SomethingNew');
  const valid2 = envelope();
  const flaky = envelope();
  projection.failOnceFor.add(flaky.id);
  const asMessage = (value: string) => ({ key: 'round-1', value });

  await publisher.send(runnerTopic, [
    asMessage('{"this is": not json'),
    asMessage(JSON.stringify(unknown)),
    asMessage(JSON.stringify(valid1)),
    asMessage(JSON.stringify(valid1)), // republished duplicate
  ]);
  await runner.start();
  await publisher.send(runnerTopic, [asMessage(JSON.stringify(valid2)), asMessage(JSON.stringify(flaky))]);
  await publisher.send(runnerTopic, [asMessage(JSON.stringify(valid2))]);

  const s = quoteIdent(db.schema);
  await expectEventually(
    async () => {
      const rows: { event_id: string }[] = await db.dataSource.query(`SELECT event_id FROM ${s}.projected ORDER BY seq`);
      expect(rows.map((r) => r.event_id)).toEqual([valid1.id, valid2.id, flaky.id]);
    },
    { timeoutMs: 40_000 },
  );
  const parked: { reason: string; kafka_offset: string }[] = await db.dataSource.query(
    `SELECT reason, kafka_offset FROM ${s}.dead_letters WHERE consumer = 'kafka-projection' ORDER BY kafka_offset`,
  );
  expect(parked).toEqual([
    { kafka_offset: '0', reason: expect.stringMatching(/^malformed JSON/) },
    { kafka_offset: '1', reason: 'unknown event type SomethingNew' },
  ]);
  // The failed batch was rolled back and delivered again: its error was logged once, its events applied once.
  expect(logger.errors.filter((e) => e.includes('connection reset (test)'))).toHaveLength(1);
  await runner.stop();
}, 60_000);
