import { TEST_DATABASE_URL, uniqueName } from '@plaza/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSourceOptions, dropSchema, runMigrations } from '../src/data-source';
import { ConcurrencyError, DuplicateEventError } from '../src/errors';
import { EventStore } from '../src/event-store';
import { eventStoreMigrations } from '../src/migrations';
import { newEvent, openTestDatabase, type TestDatabase } from './support';

let db: TestDatabase;
let store: EventStore;
let sql: Client;

beforeAll(async () => {
  db = await openTestDatabase();
  store = new EventStore(db.dataSource);
  sql = new Client({ connectionString: db.url });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await db?.close();
});

const stream = () => uniqueName('stream');

describe('migrations', () => {
  it('create every table in the configured schema, once', async () => {
    const { rows } = await sql.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [db.schema],
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'dead_letters',
      'events',
      'idempotency_keys',
      'migrations',
      'processed_events',
      'relay_checkpoints',
    ]);
    expect(await runMigrations({ url: db.url, schema: db.schema })).toEqual([]);
  });

  it('work for a schema name that needs quoting, and revert cleanly', async () => {
    const schema = `${uniqueName('Es')}-Mixed Case`;
    try {
      expect(await runMigrations({ url: TEST_DATABASE_URL, schema })).toEqual([
        'CreateEventStore1764090000000',
        'CreateConsumerTables1764090000001',
        'CreateIdempotencyKeys1764090000002',
        'IdempotencyClaims1765300000001',
      ]);
      const ds = new DataSource(createDataSourceOptions({ url: TEST_DATABASE_URL, schema, migrations: eventStoreMigrations }));
      await ds.initialize();
      try {
        const odd = new EventStore(ds);
        await odd.append('s', 0, [newEvent()]);
        expect(await odd.streamVersion('s')).toBe(1);
        for (let i = 0; i < eventStoreMigrations.length; i++) await ds.undoLastMigration();
        const { rows } = await sql.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`, [schema]);
        expect(rows[0].n).toBe(1); // only TypeORM's migrations table is left
      } finally {
        await ds.destroy();
      }
    } finally {
      await dropSchema(TEST_DATABASE_URL, schema);
    }
  });
});

describe('append and read', () => {
  it('round-trips envelopes exactly and numbers versions from expectedVersion + 1', async () => {
    const s = stream();
    const first = [newEvent(), newEvent({ type: 'ProposalEdited', causationId: 'cmd-1', payload: { n: [1, 2, { deep: null }] } })];
    const r1 = await store.append(s, 0, first);
    expect(r1.nextExpectedVersion).toBe(2);
    expect(r1.positions).toHaveLength(2);
    expect(r1.positions[1]).toBeGreaterThan(r1.positions[0]);
    const r2 = await store.append(s, 2, [newEvent({ type: 'ProposalWithdrawn' })]);
    expect(r2.nextExpectedVersion).toBe(3);

    const read = await store.readStream(s);
    expect(read).toEqual([
      { ...first[0], streamId: s, streamVersion: 1 },
      { ...first[1], streamId: s, streamVersion: 2 },
      expect.objectContaining({ streamId: s, streamVersion: 3, type: 'ProposalWithdrawn' }),
    ]);
    expect((await store.readStream(s, 3)).map((e) => e.streamVersion)).toEqual([3]);
    expect(await store.streamVersion(s)).toBe(3);
    expect(await store.streamVersion(stream())).toBe(0);
  });

  it('reads the whole log in position order, paged', async () => {
    const before = (await store.readAll({ limit: 1_000_000 })).lastPosition;
    const s = stream();
    await store.append(s, 0, [newEvent(), newEvent(), newEvent()]);
    const page1 = await store.readAll({ after: before, limit: 2 });
    expect(page1.events.map((e) => e.envelope.streamVersion)).toEqual([1, 2]);
    const page2 = await store.readAll({ after: page1.lastPosition, limit: 2 });
    expect(page2.events.map((e) => e.envelope.streamVersion)).toEqual([3]);
    expect(page2.events[0].position).toBeGreaterThan(page1.lastPosition);
    expect(page2.events[0].transactionId).toMatch(/^\d+$/);
  });

  it('refuses input that would not survive the round trip', async () => {
    await expect(store.append(stream(), 0, [newEvent({ occurredAt: '2026-01-01T10:00:00+01:00' })])).rejects.toThrow(/occurredAt/);
    await expect(store.append(stream(), 0, [newEvent({ id: 'not-a-uuid' })])).rejects.toThrow(/not a UUID/);
    // One form of an id, so an upper-case copy can never open a second stream or pass as another event.
    await expect(store.append(stream(), 0, [newEvent({ id: '01A213B9-E160-74C6-922F-0C4FC84CB309' })])).rejects.toThrow(/not a UUID in canonical form/);
    await expect(store.append('ballot-01A213B9-E160-74C6-922F-0C4FC84CB309-x', 0, [newEvent()])).rejects.toThrow(/canonical/);
    await expect(store.append(stream(), 0, [])).rejects.toThrow(RangeError);
  });
});

describe('optimistic concurrency', () => {
  it('lets exactly one of two transactions appending at the same version win', async () => {
    const s = stream();
    await store.append(s, 0, [newEvent()]);
    const a = db.dataSource.createQueryRunner();
    const b = db.dataSource.createQueryRunner();
    try {
      await a.startTransaction();
      await b.startTransaction();
      await store.appendInTransaction(a.manager, s, 1, [newEvent(), newEvent()]);
      // B inserts the same stream_version and waits on A's uncommitted index entry.
      const losing = store.appendInTransaction(b.manager, s, 1, [newEvent()]);
      await a.commitTransaction();
      const error = await losing.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamId: s, expectedVersion: 1 });
      await b.rollbackTransaction();
    } finally {
      await a.release();
      await b.release();
    }
    expect((await store.readStream(s)).map((e) => e.streamVersion)).toEqual([1, 2, 3]);
  });

  it('under a race of many appenders, one wins per version and versions stay contiguous', async () => {
    const s = stream();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => store.append(s, 0, [newEvent(), newEvent()])));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const r of lost) {
      expect(r.reason).toBeInstanceOf(ConcurrencyError);
      expect((r.reason as ConcurrencyError).actualVersion).toBe(2);
    }

    // Writers that re-read and retry on conflict all get in, without gaps or duplicates.
    const writer = async () => {
      for (let done = 0; done < 4; ) {
        const version = await store.streamVersion(s);
        try {
          await store.append(s, version, [newEvent()]);
          done++;
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error;
        }
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    expect((await store.readStream(s)).map((e) => e.streamVersion)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  it('reports a stale or a too-high expected version with the actual version, and never leaves a gap', async () => {
    const s = stream();
    await store.append(s, 0, [newEvent(), newEvent()]);
    await expect(store.append(s, 1, [newEvent()])).rejects.toMatchObject({ name: 'ConcurrencyError', expectedVersion: 1, actualVersion: 2 });
    await expect(store.append(s, 5, [newEvent()])).rejects.toMatchObject({ name: 'ConcurrencyError', expectedVersion: 5, actualVersion: 2 });
    expect(await store.streamVersion(s)).toBe(2);
  });

  it('rejects an event id that is already stored, or repeated in one append', async () => {
    const event = newEvent();
    await store.append(stream(), 0, [event]);
    const error = await store.append(stream(), 0, [newEvent(), event]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateEventError);
    expect((error as DuplicateEventError).eventIds).toEqual([event.id]);
    const twice = newEvent();
    await expect(store.append(stream(), 0, [twice, twice])).rejects.toBeInstanceOf(DuplicateEventError);
  });
});

describe('atomicity', () => {
  it('stores nothing of a multi-event append that fails midway', async () => {
    const s = stream();
    const existing = newEvent();
    await store.append(stream(), 0, [existing]);
    // The third event collides with a stored id: the first two must vanish with it.
    await expect(store.append(s, 0, [newEvent(), newEvent(), { ...existing }])).rejects.toBeInstanceOf(DuplicateEventError);
    // A payload PostgreSQL's jsonb refuses (NUL character), after two good ones.
    await expect(store.append(s, 0, [newEvent(), newEvent(), newEvent({ payload: { text: 'a\u0000b' } })])).rejects.toThrow();
    expect(await store.streamVersion(s)).toBe(0);
    expect(await store.readStream(s)).toEqual([]);
  });

  it('appends to several streams in one caller-owned transaction, all or nothing', async () => {
    const round = stream();
    const proposal = stream();
    await expect(
      db.dataSource.transaction(async (manager) => {
        await store.appendInTransaction(manager, round, 0, [newEvent()]);
        await store.append(proposal, 0, [newEvent()], { manager });
        throw new Error('the command fails after appending');
      }),
    ).rejects.toThrow('the command fails');
    expect(await store.streamVersion(round)).toBe(0);
    expect(await store.streamVersion(proposal)).toBe(0);

    await db.dataSource.transaction(async (manager) => {
      await store.appendInTransaction(manager, round, 0, [newEvent()]);
      await store.append(proposal, 0, [newEvent()], { manager });
    });
    expect(await store.streamVersion(round)).toBe(1);
    expect(await store.streamVersion(proposal)).toBe(1);
  });
});

describe('append-only in the database', () => {
  beforeAll(async () => {
    await store.append(stream(), 0, [newEvent()]);
  });

  it.each([
    ['UPDATE', `UPDATE %s.events SET type = 'Tampered'`],
    ['UPDATE matching no row', `UPDATE %s.events SET type = 'Tampered' WHERE false`],
    ['DELETE', `DELETE FROM %s.events`],
    ['TRUNCATE', `TRUNCATE %s.events`],
  ])('refuses %s', async (_label, statement) => {
    await expect(sql.query(statement.replace('%s', `"${db.schema}"`))).rejects.toThrow(/append-only/);
  });

  it('still refuses with triggers for replication disabled', async () => {
    await sql.query('BEGIN');
    try {
      await sql.query('SET LOCAL session_replication_role = replica');
      await expect(sql.query(`DELETE FROM "${db.schema}".events`)).rejects.toThrow(/append-only/);
    } finally {
      await sql.query('ROLLBACK');
    }
  });
});
