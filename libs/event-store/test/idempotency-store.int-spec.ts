import { randomUUID } from 'node:crypto';
import { IdempotencyClaimLostError } from '../src/errors';
import { EventStore } from '../src/event-store';
import { currentClaim, IdempotencyStore, lockClaims, markClaimsApplied, outsideClaim, runUnderClaim, type IdempotencyClaim } from '../src/idempotency-store';
import { newEvent, openTestDatabase, type TestDatabase } from './support';

let db: TestDatabase;
let keys: IdempotencyStore;
let store: EventStore;

beforeAll(async () => {
  db = await openTestDatabase();
  keys = new IdempotencyStore(db.dataSource, db.schema);
  store = new EventStore(db.dataSource, { schema: db.schema });
});

afterAll(() => db?.close());

const at = (iso: string) => ({ now: new Date(iso), ttlMs: 60_000, leaseMs: 10_000 });
const claimed = { outcome: 'claimed', claimId: expect.any(String) };
function claimIdOf(claim: IdempotencyClaim): string {
  if (claim.outcome !== 'claimed') throw new Error(`not claimed: ${claim.outcome}`);
  return claim.claimId;
}

describe('IdempotencyStore', () => {
  it('claims once, replays the stored answer, refuses another request under the key', async () => {
    const first = await keys.claim('sub:a', 'k1', 'h1', at('2026-01-01T00:00:00Z'));
    expect(first).toEqual(claimed);
    expect(await keys.claim('sub:a', 'k1', 'h1', at('2026-01-01T00:00:01Z'))).toEqual({ outcome: 'in-progress' });
    await keys.complete('sub:a', 'k1', claimIdOf(first), 201, { eventId: 'e1' });
    expect(await keys.claim('sub:a', 'k1', 'h1', at('2026-01-01T00:00:02Z'))).toEqual({ outcome: 'replay', status: 201, body: { eventId: 'e1' } });
    expect(await keys.claim('sub:a', 'k1', 'h2', at('2026-01-01T00:00:03Z'))).toEqual({ outcome: 'mismatch' });
    // Another caller's key of the same name is its own.
    expect(await keys.claim('sub:b', 'k1', 'h2', at('2026-01-01T00:00:03Z'))).toEqual(claimed);
  });

  it('gives a released key to the retry, takes over a lapsed claim, and reuses an expired key', async () => {
    const first = await keys.claim('sub:a', 'k2', 'h1', at('2026-01-01T00:00:00Z'));
    await keys.release('sub:a', 'k2', claimIdOf(first));
    expect(await keys.claim('sub:a', 'k2', 'h1', at('2026-01-01T00:00:01Z'))).toEqual(claimed);
    // Its holder never finished: after the lease, the same request may take it over (another one may not).
    expect(await keys.claim('sub:a', 'k2', 'h2', at('2026-01-01T00:00:20Z'))).toEqual({ outcome: 'mismatch' });
    const taken = await keys.claim('sub:a', 'k2', 'h1', at('2026-01-01T00:00:20Z'));
    expect(taken).toEqual(claimed);
    await keys.complete('sub:a', 'k2', claimIdOf(taken), 200, null);
    // Past its expiry the key is free for any request, and purging removes what expired.
    expect(await keys.claim('sub:a', 'k2', 'h3', at('2026-01-01T00:02:00Z'))).toEqual(claimed);
    expect(await keys.purgeExpired(new Date('2026-01-02T00:00:00Z'))).toBeGreaterThan(0);
  });

  it('records the key with the events: a taken-over claim cannot append, a committed one is never run again', async () => {
    const now = new Date();
    const t = (ms: number) => ({ now: new Date(now.getTime() + ms), ttlMs: 60_000, leaseMs: 10_000 });
    const stream = `s-${randomUUID()}`;
    // A slow first attempt outlives its lease; the retry takes the key over and appends.
    const slow = claimIdOf(await keys.claim('sub:c', 'k3', 'h', t(0)));
    const retry = claimIdOf(await keys.claim('sub:c', 'k3', 'h', t(11_000)));
    await runUnderClaim(keys.scope('sub:c', 'k3', retry), () => store.append(stream, 0, [newEvent()]));
    // The first attempt's late append is fenced off: nothing written.
    await expect(runUnderClaim(keys.scope('sub:c', 'k3', slow), () => store.append(stream, 1, [newEvent()]))).rejects.toBeInstanceOf(IdempotencyClaimLostError);
    expect(await store.streamVersion(stream)).toBe(1);

    // The retry's events committed but its answer was lost (it failed afterwards): the key is not given back,
    // a further retry is told so after the lease instead of running the command a second time.
    await keys.release('sub:c', 'k3', retry);
    expect(await keys.claim('sub:c', 'k3', 'h', t(12_000))).toEqual({ outcome: 'in-progress' });
    expect(await keys.claim('sub:c', 'k3', 'h', t(30_000))).toEqual({ outcome: 'applied' });
    // A command appending in several transactions keeps its claim across them.
    const multi = claimIdOf(await keys.claim('sub:c', 'k4', 'h', t(0)));
    await runUnderClaim(keys.scope('sub:c', 'k4', multi), async () => {
      await store.append(`${stream}-a`, 0, [newEvent()]);
      await store.append(`${stream}-b`, 0, [newEvent()]);
    });
    await keys.complete('sub:c', 'k4', multi, 201, { ok: true });
    expect(await keys.claim('sub:c', 'k4', 'h', t(1_000))).toEqual({ outcome: 'replay', status: 201, body: { ok: true } });
  });
  it('a group commit records each member\'s claim in its one transaction: a lapsed claim is left out, the rest are applied', async () => {
    const now = new Date();
    const t = (ms: number) => ({ now: new Date(now.getTime() + ms), ttlMs: 60_000, leaseMs: 10_000 });
    const live = keys.scope('sub:g', 'k5', claimIdOf(await keys.claim('sub:g', 'k5', 'h', t(0))));
    const lapsed = keys.scope('sub:g', 'k6', claimIdOf(await keys.claim('sub:g', 'k6', 'h', t(0))));
    // k6's holder outlived its lease: a retry took the key over.
    claimIdOf(await keys.claim('sub:g', 'k6', 'h', t(11_000)));
    // The claim travels with the work, not with the async flow that runs the group.
    expect(await runUnderClaim(live, async () => outsideClaim(() => currentClaim()))).toBeUndefined();
    expect(await runUnderClaim(live, async () => currentClaim())).toEqual(live);

    const holds = await db.dataSource.transaction(async (m) => {
      const held = await lockClaims(m, [live, undefined, lapsed]);
      await markClaimsApplied(m, [live]);
      return held;
    });
    expect(holds).toEqual([true, true, false]);
    // k5 is applied: after the lease a retry is told so instead of casting again; k6 belongs to its retry.
    expect(await keys.claim('sub:g', 'k5', 'h', t(30_000))).toEqual({ outcome: 'applied' });
    expect(await keys.claim('sub:g', 'k6', 'h', t(12_000))).toEqual({ outcome: 'in-progress' });
  });

  it('a group commit that knows its members\' answers stores them with the claims: a retry after the instance died gets the answer', async () => {
    const now = new Date();
    const t = (ms: number) => ({ now: new Date(now.getTime() + ms), ttlMs: 60_000, leaseMs: 10_000 });
    const withAnswer = keys.scope('sub:h', 'k7', claimIdOf(await keys.claim('sub:h', 'k7', 'h', t(0))));
    const without = keys.scope('sub:h', 'k8', claimIdOf(await keys.claim('sub:h', 'k8', 'h', t(0))));
    await db.dataSource.transaction(async (m) => {
      await lockClaims(m, [without, withAnswer]);
      await markClaimsApplied(m, [without, withAnswer], [undefined, { status: 201, body: { eventId: 'e7', ballotVersion: 1 } }]);
    });
    // The instance died before its interceptor stored anything: the answer is there all the same, at once.
    expect(await keys.claim('sub:h', 'k7', 'h', t(1_000))).toEqual({ outcome: 'replay', status: 201, body: { eventId: 'e7', ballotVersion: 1 } });
    expect(await keys.claim('sub:h', 'k8', 'h', t(30_000))).toEqual({ outcome: 'applied' });
    // The interceptor's own completion afterwards changes nothing.
    await keys.complete('sub:h', 'k7', withAnswer.claimId, 500, { other: true });
    expect(await keys.claim('sub:h', 'k7', 'h', t(2_000))).toEqual({ outcome: 'replay', status: 201, body: { eventId: 'e7', ballotVersion: 1 } });
  });
});
