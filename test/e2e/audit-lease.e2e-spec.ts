import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { EventEnvelope } from '@plaza/contracts';
import { MerkleTree } from '@plaza/ledger';
import { expectEventually, TEST_DATABASE_URL } from '@plaza/testing';
import { AuditStack } from '../support/audit';
import { sql } from '../support/db';
import { ServiceProcess } from '../support/service-process';
import { http } from '../support/stack';

const roundId = uuidv7();
let n = 0;
const submitted = (): EventEnvelope => {
  const proposalId = uuidv7();
  const i = n++;
  return {
    id: uuidv7(),
    type: 'ProposalSubmitted',
    schemaVersion: 1,
    streamId: `proposal-${proposalId}`,
    streamVersion: 1,
    roundId,
    occurredAt: new Date().toISOString(),
    producer: 'proposals',
    correlationId: `c-${i}`,
    causationId: null,
    payload: { proposalId, unitId: 'centre', title: `P${i}`, description: '', estimatedCost: 100, authorId: `a-${i}` },
  };
};

/**
 * Two (then three) audit processes on one schema: exactly one holds the ledger lease, appends and signs; the others
 * serve reads. The leader is killed (SIGKILL) while its checkpoint transaction is held up by a table lock, and a
 * later leader is paused (SIGSTOP) in the same place: the standby takes over, no size ever gets two roots, and
 * the paused leader's checkpoint never lands.
 */
describe('audit: one ledger writer under a fenced lease, standbys take over', () => {
  const stack = new AuditStack({ LEDGER_LEASE_TTL_MS: '2000', CHECKPOINT_INTERVAL_MS: '200', CHECKPOINT_MAX_ENTRIES: '5' });
  const s = `"${stack.schema}"`;
  const procs: ServiceProcess[] = [];
  let locker: Client | undefined;

  const start = async () => {
    const p = await ServiceProcess.start('audit', stack.env());
    procs.push(p);
    return p;
  };
  const lease = async () => (await sql<{ holder: string; token: string }>(`SELECT holder, token FROM ${s}.ledger_lease`))[0];
  const holderPid = async () => Number((await lease()).holder?.split(':')[1]);
  const size = async () => Number((await sql<{ size: string }>(`SELECT size FROM ${s}.ledger_head`))[0].size);
  const latestCheckpoint = async () => Number((await sql<{ size: string | null }>(`SELECT max(size) AS size FROM ${s}.checkpoints`))[0].size ?? 0);

  /** Holds INSERTs into checkpoints back (reads go on), until release(). */
  async function holdCheckpoints(): Promise<void> {
    locker = new Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${s}.checkpoints IN EXCLUSIVE MODE`);
  }
  async function release(): Promise<void> {
    await locker?.query('ROLLBACK');
    await locker?.end();
    locker = undefined;
  }
  /** The leader's checkpoint transaction, past its fencing check and waiting on the held-back INSERT. */
  async function waitForSigningLeader(): Promise<void> {
    await expectEventually(
      async () => {
        const rows = await sql(
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO %checkpoints%'`,
          [`plaza-audit:${stack.schema}`.slice(0, 63)],
        );
        expect(rows).toHaveLength(1);
      },
      { timeoutMs: 30_000 },
    );
  }

  beforeAll(() => stack.ensureTopics());
  afterAll(async () => {
    await release().catch(() => undefined);
    for (const p of procs) await p.kill();
    await stack.destroy();
  });

  it('keeps one writer through a SIGKILL and a SIGSTOP mid-checkpoint, with no size signed twice', async () => {
    const a = await start();
    const b = await start();
    expect(await holderPid()).toBe(a.pid);
    const firstToken = (await lease()).token;

    await stack.publish(Array.from({ length: 12 }, submitted));
    await expectEventually(async () => expect(await latestCheckpoint()).toBe(12), { timeoutMs: 30_000 });
    // The standby serves reads, proofs from its own tree included.
    await expectEventually(async () => expect((await http('GET', `${b.url}/ledger/checkpoints/latest`)).body.size).toBe(12));
    const proof = await http('GET', `${b.url}/ledger/entries/3/proof?size=12`);
    expect(proof.status).toBe(200);

    // Kill the leader (SIGKILL) while it signs: its checkpoint transaction has passed the fence and waits on the INSERT.
    await holdCheckpoints();
    await stack.publish(Array.from({ length: 8 }, submitted));
    await waitForSigningLeader();
    await a.kill();
    await release();

    // The standby takes over with a new fencing token, signs what A could not, and appends what follows.
    await expectEventually(async () => expect(await holderPid()).toBe(b.pid), { timeoutMs: 30_000 });
    const secondToken = (await lease()).token;
    expect(BigInt(secondToken)).toBeGreaterThan(BigInt(firstToken));
    await stack.publish(Array.from({ length: 5 }, submitted));
    await expectEventually(async () => expect(await latestCheckpoint()).toBe(25), { timeoutMs: 60_000 });

    // Pause the new leader (SIGSTOP) mid-checkpoint, with its transaction holding the lease row; a third instance waits.
    const c = await start();
    const signedByB = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM ${s}.checkpoints WHERE lease_token = $1`, [secondToken]))[0].n);
    await holdCheckpoints();
    await stack.publish(Array.from({ length: 6 }, submitted));
    await waitForSigningLeader();
    const beforePause = await signedByB();
    b.signal('SIGSTOP');
    await release();
    // PostgreSQL ends B's idle transaction after the TTL, freeing the lease row; C takes over and signs everything.
    await expectEventually(async () => expect(await holderPid()).toBe(c.pid), { timeoutMs: 30_000 });
    const thirdToken = (await lease()).token;
    await expectEventually(async () => expect(await latestCheckpoint()).toBe(31), { timeoutMs: 60_000 });
    b.signal('SIGCONT');
    await stack.publish(Array.from({ length: 4 }, submitted));
    await expectEventually(async () => expect(await latestCheckpoint()).toBe(35), { timeoutMs: 60_000 });
    // B woke up as a standby: the checkpoint it was signing never landed, and nothing else carries its token since.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await signedByB()).toBe(beforePause);
    expect(await holderPid()).toBe(c.pid);
    const afterC = await sql(`SELECT index FROM ${s}.ledger_entries WHERE lease_token = $1 AND index > (SELECT min(index) FROM ${s}.ledger_entries WHERE lease_token = $2)`, [secondToken, thirdToken]);
    expect(afterC).toHaveLength(0);

    // Every event once, in an unbroken ledger; terms never go backwards along the ledger or the checkpoints.
    expect(await size()).toBe(35);
    const entries = await sql<{ index: string; event_id: string; leaf_hash: Buffer; lease_token: string }>(
      `SELECT index, event_id, leaf_hash, lease_token FROM ${s}.ledger_entries ORDER BY index`,
    );
    expect(entries.map((e) => Number(e.index))).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(new Set(entries.map((e) => e.event_id)).size).toBe(35);
    for (let i = 1; i < entries.length; i++) expect(BigInt(entries[i].lease_token)).toBeGreaterThanOrEqual(BigInt(entries[i - 1].lease_token));

    // No two checkpoints of the same size with different roots: not in the table, not among the published events,
    // and each root is the tree's root at its size.
    const tree = new MerkleTree();
    for (const e of entries) tree.append(e.leaf_hash);
    const checkpoints = await sql<{ size: string; root_hash: Buffer; lease_token: string }>(`SELECT size, root_hash, lease_token FROM ${s}.checkpoints ORDER BY size`);
    for (const cp of checkpoints) expect(cp.root_hash.equals(tree.root(Number(cp.size)))).toBe(true);
    for (let i = 1; i < checkpoints.length; i++) expect(BigInt(checkpoints[i].lease_token)).toBeGreaterThanOrEqual(BigInt(checkpoints[i - 1].lease_token));
    const published = await sql<{ size: number; roots: string }>(
      `SELECT (payload->>'size')::int AS size, count(DISTINCT payload->>'rootHash') AS roots FROM ${s}.events WHERE type = 'CheckpointSigned' GROUP BY 1 HAVING count(DISTINCT payload->>'rootHash') > 1`,
    );
    expect(published).toEqual([]);
    expect(new Set(checkpoints.map((cp) => cp.lease_token))).toEqual(new Set([firstToken, secondToken, thirdToken]));
  });
});
