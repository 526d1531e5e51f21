import { Election, newCastLog, Stores } from '../../apps/cli/src/faults/election';
import { PlazaApi } from '../../apps/cli/src/import/plaza-api';
import { CachedTokens, LocalSigner } from '../../apps/cli/src/import/tokens';
import { TEST_DATABASE_URL } from '@plaza/testing';
import { TEST_SIGNING_KEY_PEM } from '../support/auth';
import { sql } from '../support/db';
import { ServiceProcess } from '../support/service-process';
import { Stack } from '../support/stack';

/**
 * PostgreSQL ends every connection of the voting service five times while ballots are being cast — what a server
 * restart or a fail-over does to a service, done with `pg_terminate_backend` on the service's own sessions so the
 * shared server and everyone else's connections stay up. The voting service runs as its own process (an unhandled
 * pg `'error'` event would end it); ballots go through the plaza CLI's client (503 + Retry-After retried with the
 * same Idempotency-Key). The process must still be running, every ballot accepted once, in the store once and in
 * the audit ledger once, and the recount must verify. (`npm run faults` does the same with a real server restart.)
 */
jest.setTimeout(600_000);

const BALLOTS = 240;
const CUTS_AT = [40, 80, 120, 160, 200];

describe('voting keeps running and counts every ballot once while PostgreSQL cuts its connections', () => {
  const stack = new Stack({ audit: { CHECKPOINT_INTERVAL_MS: '500' } });
  let voting: ServiceProcess;

  beforeAll(async () => {
    await stack.start('proposals', 'audit');
    voting = await ServiceProcess.start('voting', stack.env('voting'));
  });

  afterAll(async () => {
    await voting?.stop().catch(() => undefined);
    await stack.destroy().catch(() => undefined);
  });

  /** Ends every session the voting service has open (its pool and its relay's lock connection); returns how many. */
  const cutVotingConnections = async (): Promise<number> =>
    (
      await sql<{ ok: boolean }>(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1`, [
        `plaza-voting:${stack.schemas.voting}`.slice(0, 63),
      ])
    ).filter((r) => r.ok).length;

  it('no crash, no lost and no duplicated ballot through five connection cuts', async () => {
    const castLog = newCastLog(BALLOTS);
    const api = new PlazaApi(
      { proposals: stack.url('proposals'), voting: voting.url, audit: stack.url('audit') },
      new CachedTokens(new LocalSigner(TEST_SIGNING_KEY_PEM)),
      undefined,
      () => castLog.retries++,
    );
    const election = new Election(api, { ballots: BALLOTS, units: 2, proposalsPerUnit: 3, concurrency: 16, name: stack.prefix });
    await election.setup();

    const cuts: Promise<number>[] = [];
    await election.cast(castLog, (answered) => {
      if (CUTS_AT.includes(answered)) cuts.push(cutVotingConnections());
    });
    const cut = await Promise.all(cuts);
    expect(cut).toHaveLength(CUTS_AT.length);
    // Every cut found sessions to end (at least the relay's lock connection is always open).
    for (const n of cut) expect(n).toBeGreaterThan(0);

    expect(voting.child.exitCode).toBeNull();
    expect(voting.child.signalCode).toBeNull();
    expect(voting.console).toMatch(/PostgreSQL connection lost: .*terminating connection due to administrator command/);
    if (castLog.errors.length) process.stderr.write(`voting service console:\n${voting.console.slice(-20_000)}\n`);
    expect(castLog.errors).toEqual([]);
    expect(castLog.receipts.size).toBe(BALLOTS);

    const stores = new Stores(TEST_DATABASE_URL, stack.schemas.voting, stack.schemas.audit);
    await stores.waitForLedger(election.roundId, 300_000);
    const closed = await election.close(120_000);
    expect(closed.recount).toBe('verified');
    const check = await stores.check(election.roundId, castLog);
    expect(check).toEqual({ lostInStore: 0, lostInLedger: 0, duplicated: 0, acceptedUnseen: 0, storeBallots: BALLOTS, ledgerBallots: BALLOTS });
  });
});
