import { expectEventually, uniqueName } from '@plaza/testing';
import { EventStore } from '../src/event-store';
import { eventStoreHealth } from '../src/health';
import { OutboxRelay } from '../src/outbox-relay';
import { newEvent, newQuietLogger, openTestDatabase, RecordingPublisher, type TestDatabase } from './support';

let db: TestDatabase;
let store: EventStore;
const TOPIC = 'plaza.test.events';

beforeAll(async () => {
  db = await openTestDatabase();
  store = new EventStore(db.dataSource);
});

afterAll(async () => {
  await db?.close();
});

/** Each test publishes under its own relay name (own checkpoint and lock), starting after what exists. */
async function freshRelay(publisher: RecordingPublisher, options: { name?: string; batchSize?: number } = {}) {
  const relay = new OutboxRelay({
    dataSource: db.dataSource,
    publisher,
    topic: TOPIC,
    name: options.name ?? uniqueName('relay'),
    batchSize: options.batchSize ?? 100,
    idleIntervalMs: 10,
    standbyIntervalMs: 50,
    maxBackoffMs: 200,
    logger: newQuietLogger(),
  });
  return relay;
}

/** Drains until `count` events are out; other test files' open transactions can hold the watermark briefly. */
async function drainUntil(relay: OutboxRelay, publisher: RecordingPublisher, count: number): Promise<void> {
  await expectEventually(async () => {
    await relay.publishPending();
    expect(publisher.sent.length).toBeGreaterThanOrEqual(count);
  });
}

function expectStrictlyIncreasing(keys: [bigint, number][]): void {
  for (let i = 1; i < keys.length; i++) {
    const [t0, p0] = keys[i - 1];
    const [t1, p1] = keys[i];
    expect(t1 > t0 || (t1 === t0 && p1 > p0)).toBe(true);
  }
}

it('publishes each event keyed by round with the envelope as JSON and the agreed headers', async () => {
  const publisher = new RecordingPublisher();
  const relay = await freshRelay(publisher);
  const s = uniqueName('stream');
  const event = newEvent({ roundId: 'round-42', type: 'RoundOpened', schemaVersion: 2, producer: 'voting' });
  await store.append(s, 0, [event]);
  await drainUntil(relay, publisher, 1);
  const mine = publisher.sent.find((m) => m.envelope.id === event.id);
  expect(mine?.topic).toBe(TOPIC);
  expect(mine?.message.key).toBe('round-42');
  expect(JSON.parse(mine!.message.value.toString())).toEqual({ ...event, streamId: s, streamVersion: 1 });
  expect(mine?.message.headers).toEqual({
    'event-id': event.id,
    'event-type': 'RoundOpened',
    'schema-version': '2',
    producer: 'voting',
  });
  const health = await eventStoreHealth(db.dataSource, { relayName: (await relay.status()).name });
  expect(health.relay.pending).toBe(0);
  expect(health.lastPosition).toBeGreaterThanOrEqual(health.relay.checkpoint.position);
  await relay.stop();
});

it('never skips an event whose transaction commits after a later one (transaction watermark)', async () => {
  const publisher = new RecordingPublisher();
  const relay = await freshRelay(publisher);
  await relay.publishPending(); // catch up with everything already in the log
  publisher.sent.length = 0;

  const a = db.dataSource.createQueryRunner();
  try {
    await a.startTransaction();
    const eventA = newEvent();
    const appendedA = await store.appendInTransaction(a.manager, uniqueName('stream'), 0, [eventA]);
    // B starts after A, takes a higher position, and commits first.
    const eventB = newEvent();
    const appendedB = await store.append(uniqueName('stream'), 0, [eventB]);
    expect(appendedB.positions[0]).toBeGreaterThan(appendedA.positions[0]);

    // A naive "position > last" relay would publish B now and then never see A. While A is open,
    // nothing at or after A's transaction may go out.
    expect(await relay.publishPending()).toBe(0);
    expect((await relay.status()).pending).toBe(1); // B is committed but waits behind A

    await a.commitTransaction();
    await drainUntil(relay, publisher, 2);
    expect(publisher.ids()).toEqual([eventA.id, eventB.id]);
    expect(await relay.publishPending()).toBe(0);
    expect(publisher.ids()).toEqual([eventA.id, eventB.id]);
    expect((await relay.status()).pending).toBe(0);
  } finally {
    if (a.isTransactionActive) await a.rollbackTransaction();
    await a.release();
    await relay.stop();
  }
});

it('passes over rolled-back appends (position gaps) without stalling', async () => {
  const publisher = new RecordingPublisher();
  const relay = await freshRelay(publisher);
  await relay.publishPending();
  publisher.sent.length = 0;
  const s = uniqueName('stream');
  await expect(
    db.dataSource.transaction(async (manager) => {
      await store.appendInTransaction(manager, s, 0, [newEvent()]);
      throw new Error('rolled back');
    }),
  ).rejects.toThrow('rolled back');
  const kept = newEvent();
  await store.append(s, 0, [kept]);
  await drainUntil(relay, publisher, 1);
  expect(publisher.ids()).toEqual([kept.id]);
  await relay.stop();
});

it('keeps the checkpoint before a batch the broker did not take, and retries it', async () => {
  const publisher = new RecordingPublisher();
  const relay = await freshRelay(publisher);
  await relay.publishPending();
  const before = await relay.status();
  publisher.sent.length = 0;

  const events = [newEvent(), newEvent(), newEvent()];
  await store.append(uniqueName('stream'), 0, events);
  publisher.failuresBeforeSend = 1;
  await expectEventually(async () => {
    await expect(relay.publishPending()).rejects.toThrow('broker unavailable');
  });
  expect((await relay.status()).checkpoint).toEqual(before.checkpoint);

  await drainUntil(relay, publisher, 3);
  expect(publisher.ids()).toEqual(events.map((e) => e.id));
  await relay.stop();
});

it('republishes a batch whose acknowledgement was lost (at least once), then moves on', async () => {
  const publisher = new RecordingPublisher();
  const relay = await freshRelay(publisher);
  await relay.publishPending();
  publisher.sent.length = 0;
  const events = [newEvent(), newEvent()];
  await store.append(uniqueName('stream'), 0, events);
  publisher.failuresAfterSend = 1;
  relay.start();
  await expectEventually(() => expect(publisher.ids()).toEqual([...events, ...events].map((e) => e.id)));
  await relay.stop();
  expect(publisher.ids()).toHaveLength(4);
});

it('survives a stop and restart mid-stream: nothing lost, nothing out of order, no duplicates', async () => {
  const publisher = new RecordingPublisher();
  const name = uniqueName('relay');
  const first = await freshRelay(publisher, { name, batchSize: 7 });
  await first.publishPending();
  publisher.sent.length = 0;
  publisher.delayMs = 5;

  const writers = Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      const s = uniqueName(`stream${w}`);
      for (let v = 0; v < 30; v += 3) await store.append(s, v, [newEvent(), newEvent(), newEvent()]);
    }),
  );
  first.start();
  await expectEventually(() => expect(publisher.sent.length).toBeGreaterThan(20));
  await first.stop(); // graceful: the in-flight batch is published and checkpointed
  await writers;
  const atStop = publisher.sent.length;
  expect(atStop).toBeLessThan(120);

  const second = await freshRelay(publisher, { name, batchSize: 7 });
  second.start();
  await expectEventually(() => expect(publisher.sent.length).toBe(120), { timeoutMs: 30_000 });
  await second.stop();

  const ids = publisher.ids();
  expect(new Set(ids).size).toBe(120);
  const { events } = await store.readAll({ limit: 100_000 });
  const order = new Map(events.map((e) => [e.envelope.id, [BigInt(e.transactionId), e.position] as [bigint, number]]));
  expectStrictlyIncreasing(ids.map((id) => order.get(id)!));
  // Per stream, versions go out in order.
  const byStream = new Map<string, number[]>();
  for (const m of publisher.sent) byStream.set(m.envelope.streamId, [...(byStream.get(m.envelope.streamId) ?? []), m.envelope.streamVersion]);
  expect(byStream.size).toBe(4);
  for (const versions of byStream.values()) expect(versions).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  expect(Math.max(...publisher.batches)).toBeLessThanOrEqual(7);
});

it('hands over when the leader loses its database session (lock and checkpoint go together)', async () => {
  const publisher = new RecordingPublisher();
  const name = uniqueName('relay');
  const leader = await freshRelay(publisher, { name });
  const standby = await freshRelay(publisher, { name });
  await leader.publishPending();
  publisher.sent.length = 0;
  leader.start();
  standby.start();
  const before = newEvent();
  await store.append(uniqueName('stream'), 0, [before]);
  await expectEventually(() => expect(publisher.ids()).toEqual([before.id]));
  expect(leader.isLeader).toBe(true);

  // Kill the session holding the advisory lock, as a crashed host or a cut network would.
  const rows: { killed: boolean }[] = await db.dataSource.query(
    `SELECT pg_terminate_backend(pid) AS killed FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
    [`plaza-outbox-relay:${db.schema}:${name}`],
  );
  expect(rows).toEqual([{ killed: true }]);

  const after = Array.from({ length: 5 }, () => newEvent());
  for (const e of after) await store.append(uniqueName('stream'), 0, [e]);
  await expectEventually(() => expect(new Set(publisher.ids())).toEqual(new Set([before, ...after].map((e) => e.id))));
  await leader.stop();
  await standby.stop();
  // The takeover resumed from the stored checkpoint: nothing was published twice.
  expect(publisher.ids()).toEqual([before, ...after].map((e) => e.id));
});

it('lets only one relay per schema and name publish; a standby takes over when the leader stops', async () => {
  const publisher = new RecordingPublisher();
  const name = uniqueName('relay');
  const leader = await freshRelay(publisher, { name });
  const standby = await freshRelay(publisher, { name });
  await leader.publishPending();
  await expect(standby.publishPending()).rejects.toThrow(/held by another process/);
  publisher.sent.length = 0;

  leader.start();
  standby.start();
  const events = Array.from({ length: 10 }, () => newEvent());
  for (const e of events) await store.append(uniqueName('stream'), 0, [e]);
  await expectEventually(() => expect(publisher.ids()).toEqual(events.map((e) => e.id)));
  expect(leader.isLeader).toBe(true);
  expect(standby.isLeader).toBe(false);

  await leader.stop();
  const more = newEvent();
  await store.append(uniqueName('stream'), 0, [more]);
  await expectEventually(() => expect(publisher.ids()).toEqual([...events, more].map((e) => e.id)));
  expect(standby.isLeader).toBe(true);
  await standby.stop();
});

it('publishes every committed event exactly once while many writers commit out of position order', async () => {
  const publisher = new RecordingPublisher();
  const relay = await freshRelay(publisher, { batchSize: 5 });
  await relay.publishPending();
  publisher.sent.length = 0;
  relay.start();

  const committed: string[] = [];
  const commitOrder: number[] = []; // positions, in the order their transactions committed
  const writer = async (w: number) => {
    for (let t = 0; t < 12; t++) {
      const events = Array.from({ length: 1 + ((w + t) % 3) }, () => newEvent());
      const runner = db.dataSource.createQueryRunner();
      try {
        await runner.startTransaction();
        const { positions } = await store.appendInTransaction(runner.manager, uniqueName(`w${w}`), 0, events);
        // Hold the transaction open a while (in the database) so commits interleave with later positions.
        await runner.query('SELECT pg_sleep($1)', [((w * 7 + t * 13) % 20) / 1000]);
        if ((w + t) % 7 === 0) {
          await runner.rollbackTransaction();
        } else {
          await runner.commitTransaction();
          committed.push(...events.map((e) => e.id));
          commitOrder.push(...positions);
        }
      } finally {
        await runner.release();
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
  await expectEventually(() => expect(publisher.sent.length).toBe(committed.length), { timeoutMs: 30_000 });
  await relay.stop();

  expect(new Set(publisher.ids())).toEqual(new Set(committed));
  expect(publisher.ids()).toHaveLength(new Set(publisher.ids()).size);
  // The hazard was real: some events committed after an event with a higher position, which a relay
  // checkpointing "position > last" could have skipped.
  const overtaken = commitOrder.filter((p, i) => commitOrder.slice(0, i).some((q) => q > p)).length;
  expect(overtaken).toBeGreaterThan(0);
}, 60_000);
