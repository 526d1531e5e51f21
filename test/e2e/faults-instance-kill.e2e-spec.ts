import { Election, newCastLog, Stores } from '../../apps/cli/src/faults/election';
import { PlazaApi } from '../../apps/cli/src/import/plaza-api';
import { CachedTokens, LocalSigner } from '../../apps/cli/src/import/tokens';
import { loadWebConfig } from '../../apps/web/src/config';
import { startWeb, type RunningWeb } from '../../apps/web/src/web';
import { TEST_DATABASE_URL } from '@plaza/testing';
import { TEST_SIGNING_KEY_PEM } from '../support/auth';
import { ServiceProcess } from '../support/service-process';
import { Stack } from '../support/stack';

/**
 * The fault suite's `instances-kill9` in small (`npm run faults` runs it with the audit lease holder killed too;
 * test/e2e/audit-lease.e2e-spec.ts shows the audit side): two voting processes behind the web origin's round robin,
 * ballots sent with the plaza CLI's client, and one voting process killed with SIGKILL a third of the way through
 * and never restarted. Requests that reach the dead instance are answered 502 by the origin and retried with the same
 * Idempotency-Key, reaching the other one. Every ballot must be accepted, once in the store and once in the ledger,
 * and the recount must verify.
 */
jest.setTimeout(600_000);

const BALLOTS = 240;

describe('one of two voting instances killed mid-election', () => {
  const stack = new Stack({ audit: { CHECKPOINT_INTERVAL_MS: '500' } });
  const voting: ServiceProcess[] = [];
  let web: RunningWeb;

  beforeAll(async () => {
    await stack.start('proposals', 'audit');
    for (let i = 0; i < 2; i++) voting.push(await ServiceProcess.start('voting', stack.env('voting')));
    web = await startWeb(
      loadWebConfig({ PORT: '0', LOG_LEVEL: 'warn', PROPOSALS_URL: stack.url('proposals'), VOTING_URL: voting.map((v) => v.url).join(','), AUDIT_URL: stack.url('audit') }),
    );
  });

  afterAll(async () => {
    await web?.app.close().catch(() => undefined);
    for (const v of voting) await v.stop().catch(() => undefined);
    await stack.destroy().catch(() => undefined);
  });

  it('keeps every ballot exactly once when an instance dies under SIGKILL', async () => {
    const castLog = newCastLog(BALLOTS);
    const api = new PlazaApi(
      { proposals: `${web.url}/api/proposals`, voting: `${web.url}/api/voting`, audit: `${web.url}/api/audit` },
      new CachedTokens(new LocalSigner(TEST_SIGNING_KEY_PEM)),
      undefined,
      () => castLog.retries++,
    );
    const election = new Election(api, { ballots: BALLOTS, units: 2, proposalsPerUnit: 3, concurrency: 16, name: stack.prefix });
    await election.setup();

    let killed: Promise<void> | undefined;
    await election.cast(castLog, (answered) => {
      if (answered === BALLOTS / 3) killed = voting[1]!.kill();
    });
    await killed;
    expect(voting[1]!.child.signalCode).toBe('SIGKILL');
    expect(voting[0]!.child.exitCode).toBeNull();
    // The dead instance's share was retried on the other one.
    expect(castLog.retries).toBeGreaterThan(0);
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
