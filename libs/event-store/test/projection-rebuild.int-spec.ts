import type { EntityManager } from 'typeorm';
import { Client } from 'pg';
import { EventStore } from '../src/event-store';
import { EventLogSource, ProjectionRebuilder, RebuildInProgressError, type RebuildableProjection, type RebuildSource } from '../src/projection-rebuild';
import { quoteIdent } from '../src/sql';
import { newEvent, newQuietLogger, openTestDatabase, type TestDatabase } from './support';

/** A toy read model: per stream, how many events and the last type; written in the command's transaction. */
let db: TestDatabase;
let s: string;
let store: EventStore;

const UUIDS = Array.from({ length: 20 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const streamOf = (i: number) => `thing-${UUIDS[i]}`;

async function applyCounts(m: EntityManager, schema: string, events: readonly { streamId: string; type: string }[]): Promise<void> {
  for (const e of events) {
    await m.query(
      `INSERT INTO ${quoteIdent(schema)}.stream_counts (stream_id, events, last_type) VALUES ($1, 1, $2)
       ON CONFLICT (stream_id) DO UPDATE SET events = stream_counts.events + 1, last_type = EXCLUDED.last_type`,
      [e.streamId, e.type],
    );
  }
}

/** A command: appends to a stream and updates the live row, in one transaction. */
async function write(stream: number, type = 'ProposalSubmitted'): Promise<void> {
  const streamId = streamOf(stream);
  await db.dataSource.transaction(async (m) => {
    const version = await store.streamVersion(streamId, { manager: m });
    await store.appendInTransaction(m, streamId, version, [newEvent({ type })]);
    await applyCounts(m, db.schema, [{ streamId, type }]);
  });
}

function projection(hooks: { settle?: () => Promise<void> } = {}): RebuildableProjection {
  return {
    name: 'counts',
    tables: ['stream_counts'],
    source: (): RebuildSource => {
      const log = new EventLogSource(db.dataSource);
      return {
        open: () => log.open(),
        next: () => log.next(),
        settle: async () => hooks.settle?.(),
        rest: (m) => log.rest(m),
        close: () => log.close(),
      };
    },
    applyBatch: (events, m, schema) => applyCounts(m, schema, events),
  };
}

const oid = async () => (await db.dataSource.query(`SELECT $1::regclass::oid::int AS oid`, [`${s}.stream_counts`]))[0].oid as number;
const indexNames = async () =>
  (await db.dataSource.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'stream_counts' ORDER BY 1`, [db.schema])).map(
    (r: { indexname: string }) => r.indexname,
  );
const live = async () => db.dataSource.query(`SELECT stream_id, events, last_type FROM ${s}.stream_counts ORDER BY stream_id`);

beforeAll(async () => {
  db = await openTestDatabase();
  s = quoteIdent(db.schema);
  store = new EventStore(db.dataSource);
  await db.dataSource.query(`CREATE TABLE ${s}.stream_counts (stream_id text PRIMARY KEY, events integer NOT NULL CHECK (events > 0), last_type text NOT NULL)`);
  await db.dataSource.query(`CREATE INDEX stream_counts_type_idx ON ${s}.stream_counts (last_type, events)`);
  for (let i = 0; i < 60; i++) await write(i % 10, i % 3 === 0 ? 'ProposalEdited' : 'ProposalSubmitted');
});

afterAll(async () => {
  await db?.close();
});

describe('ProjectionRebuilder', () => {
  it('rebuilds into a copy, catches up with what committed after its snapshot under the lock, and switches with equal checksums', async () => {
    const before = await oid();
    const indexes = await indexNames();
    // Commands that commit after the bulk pass's snapshot: only the catch-up can bring them in.
    const report = await new ProjectionRebuilder(db.dataSource, { logger: newQuietLogger() }).rebuild(
      projection({
        settle: async () => {
          await write(3, 'ProposalWithdrawn');
          await write(15);
          await write(16);
        },
      }),
    );
    expect(report).toMatchObject({ projection: 'counts', events: 63, catchUpEvents: 3, matches: true, switched: true });
    expect(report.checksum).toBe(report.liveChecksum);
    expect(report.perTable).toEqual([expect.objectContaining({ table: 'stream_counts', rows: 12, liveRows: 12 })]);
    expect(await oid()).not.toBe(before);
    expect(await indexNames()).toEqual(indexes);
    const rows = await live();
    expect(rows).toHaveLength(12);
    expect(rows.find((r: { stream_id: string }) => r.stream_id === streamOf(3))).toMatchObject({ events: 7, last_type: 'ProposalWithdrawn' });
    // Constraints came along: the CHECK still refuses.
    await expect(db.dataSource.query(`UPDATE ${s}.stream_counts SET events = 0`)).rejects.toThrow(/check/i);
    expect(await db.dataSource.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [`${db.schema}__rebuild`])).toHaveLength(0);
  });

  it('keeps a damaged live table when the checksums differ, and repairs it with force', async () => {
    await db.dataSource.query(`UPDATE ${s}.stream_counts SET events = events + 100 WHERE stream_id = $1`, [streamOf(1)]);
    const damagedOid = await oid();
    const rebuilder = new ProjectionRebuilder(db.dataSource, { logger: newQuietLogger() });
    const report = await rebuilder.rebuild(projection());
    expect(report).toMatchObject({ matches: false, switched: false });
    expect(report.checksum).not.toBe(report.liveChecksum);
    expect(await oid()).toBe(damagedOid);
    const forced = await rebuilder.rebuild(projection(), { force: true });
    expect(forced).toMatchObject({ matches: false, switched: true });
    const again = await rebuilder.rebuild(projection());
    expect(again).toMatchObject({ matches: true, switched: true });
    expect(again.checksum).toBe(forced.checksum);
    expect((await live()).find((r: { stream_id: string }) => r.stream_id === streamOf(1)).events).toBe(6);
  });

  it('runs one rebuild per schema at a time', async () => {
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext($1))`, [`plaza-rebuild:${db.schema}`]);
      await expect(new ProjectionRebuilder(db.dataSource).rebuild(projection())).rejects.toBeInstanceOf(RebuildInProgressError);
    } finally {
      await holder.end();
    }
  });
});
