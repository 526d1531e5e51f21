import { expectEventually, TEST_KAFKA_BROKERS, uniqueName } from '@plaza/testing';
import { KafkaAdmin, KafkaJsPublisher, KafkaJsSubscriber, type IncomingMessage } from '@plaza/kafka';

// kafkajs 2.2.4 is old (last release 2023) and Plaza runs it against Kafka 4.x: this file is the evidence
// that produce (idempotent, acks all), explicit topic creation and group consumption work on the real broker.
describe('kafkajs against the local broker', () => {
  const connection = { brokers: TEST_KAFKA_BROKERS, clientId: 'plaza-kafka-int' };
  const admin = new KafkaAdmin(connection);
  const publisher = new KafkaJsPublisher(connection);
  const topic = uniqueName('plaza_test_kafka');

  beforeAll(async () => {
    await admin.ensureTopics([{ topic, numPartitions: 3 }]);
  });

  afterAll(async () => {
    await publisher.disconnect();
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates topics explicitly and idempotently', async () => {
    await admin.ensureTopics([{ topic, numPartitions: 3 }]);
    const offsets = await admin.topicEndOffsets(topic);
    expect(offsets.map((o) => o.partition).sort()).toEqual([0, 1, 2]);
    expect((await admin.ping()).brokers).toBe(1);
  });

  it('returns only once every partition has a leader, also when several processes create the same topics at once', async () => {
    const topics = [uniqueName('plaza_test_kafka_race'), uniqueName('plaza_test_kafka_race')];
    const admins = [0, 1, 2].map((i) => new KafkaAdmin({ ...connection, clientId: `plaza-kafka-int-${i}` }));
    try {
      await Promise.all(admins.map((a) => a.ensureTopics(topics.map((t) => ({ topic: t, numPartitions: 4 })))));
      for (const t of topics) {
        const offsets = await admin.topicEndOffsets(t);
        expect(offsets.map((o) => o.partition).sort()).toEqual([0, 1, 2, 3]);
      }
    } finally {
      await admin.deleteTopics(topics).catch(() => undefined);
      await Promise.all(admins.map((a) => a.disconnect()));
    }
  });

  it('delivers every message of a key in order to a consumer group, with headers', async () => {
    const received: IncomingMessage[] = [];
    const subscriber = new KafkaJsSubscriber(connection, { sessionTimeoutMs: 6000 });
    await subscriber.start({
      groupId: uniqueName('g'),
      topics: [topic],
      fromBeginning: true,
      handle: async (batch) => {
        received.push(...batch.messages);
      },
    });
    try {
      const keys = ['round-a', 'round-b', 'round-c'];
      for (let i = 0; i < 30; i++) {
        await publisher.send(topic, [
          { key: keys[i % 3], value: JSON.stringify({ i }), headers: { 'event-id': `e${i}` } },
        ]);
      }
      await expectEventually(() => expect(received).toHaveLength(30));
      for (const key of keys) {
        const seq = received.filter((m) => m.key === key).map((m) => JSON.parse(m.value!.toString()).i as number);
        expect(seq).toEqual([...seq].sort((a, b) => a - b));
        expect(new Set(received.filter((m) => m.key === key).map((m) => m.partition)).size).toBe(1);
      }
      expect(received.find((m) => m.headers['event-id'] === 'e7')).toBeDefined();
    } finally {
      await subscriber.stop();
    }
  });

  it('redelivers a batch whose handler failed', async () => {
    const t2 = uniqueName('plaza_test_kafka_retry');
    await admin.ensureTopics([{ topic: t2, numPartitions: 1 }]);
    let failures = 0;
    const applied: string[] = [];
    const subscriber = new KafkaJsSubscriber(connection, { sessionTimeoutMs: 6000 });
    await subscriber.start({
      groupId: uniqueName('g'),
      topics: [t2],
      fromBeginning: true,
      handle: async (batch) => {
        if (failures === 0) {
          failures++;
          throw new Error('transient');
        }
        applied.push(...batch.messages.map((m) => m.value!.toString()));
      },
    });
    try {
      await publisher.send(t2, [{ key: 'k', value: 'one' }]);
      await expectEventually(() => expect(applied).toContain('one'), { timeoutMs: 30_000 });
      expect(failures).toBe(1);
    } finally {
      await subscriber.stop();
      await admin.deleteTopics([t2]).catch(() => undefined);
    }
  });
});
