import { IdempotencyStore } from '../src/idempotency-store';
import { openTestDatabase, type TestDatabase } from './support';

let db: TestDatabase;
let keys: IdempotencyStore;

beforeAll(async () => {
  db = await openTestDatabase();
  keys = new IdempotencyStore(db.dataSource, db.schema);
});

afterAll(() => db?.close());

const at = (iso: string) => ({ now: new Date(iso), ttlMs: 60_000, leaseMs: 10_000 });

describe('IdempotencyStore', () => {
  it('claims once, replays the stored answer, refuses another request under the key', async () => {
    expect(await keys.claim('sub:a', 'k1', 'h1', at('2026-01-01T00:00:00Z'))).toEqual({ outcome: 'claimed' });
    expect(await keys.claim('sub:a', 'k1', 'h1', at('2026-01-01T00:00:01Z'))).toEqual({ outcome: 'in-progress' });
    await keys.complete('sub:a', 'k1', 201, { eventId: 'e1' });
    expect(await keys.claim('sub:a', 'k1', 'h1', at('2026-01-01T00:00:02Z'))).toEqual({ outcome: 'replay', status: 201, body: { eventId: 'e1' } });
    expect(await keys.claim('sub:a', 'k1', 'h2', at('2026-01-01T00:00:03Z'))).toEqual({ outcome: 'mismatch' });
    // Another caller's key of the same name is its own.
    expect(await keys.claim('sub:b', 'k1', 'h2', at('2026-01-01T00:00:03Z'))).toEqual({ outcome: 'claimed' });
  });

  it('gives a released key to the retry, takes over a lapsed claim, and reuses an expired key', async () => {
    await keys.claim('sub:a', 'k2', 'h1', at('2026-01-01T00:00:00Z'));
    await keys.release('sub:a', 'k2');
    expect(await keys.claim('sub:a', 'k2', 'h1', at('2026-01-01T00:00:01Z'))).toEqual({ outcome: 'claimed' });
    // Its holder never finished: after the lease, the same request may take it over (another one may not).
    expect(await keys.claim('sub:a', 'k2', 'h2', at('2026-01-01T00:00:20Z'))).toEqual({ outcome: 'mismatch' });
    expect(await keys.claim('sub:a', 'k2', 'h1', at('2026-01-01T00:00:20Z'))).toEqual({ outcome: 'claimed' });
    await keys.complete('sub:a', 'k2', 200, null);
    // Past its expiry the key is free for any request, and purging removes what expired.
    expect(await keys.claim('sub:a', 'k2', 'h3', at('2026-01-01T00:02:00Z'))).toEqual({ outcome: 'claimed' });
    expect(await keys.purgeExpired(new Date('2026-01-02T00:00:00Z'))).toBeGreaterThan(0);
  });
});
