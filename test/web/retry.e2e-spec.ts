import { Client } from 'pg';
import type { Browser } from 'playwright-core';
import { TEST_DATABASE_URL } from '@plaza/testing';
import { sql } from '../support/db';
import { openRound } from '../support/round';
import { launchBrowser, openPage, WebStack } from '../support/web';

/**
 * The ballot form while the voting service loses its database connections (pg_terminate_backend by the
 * application_name that names its schema): the page says it is retrying, sends the ballot again with the same
 * Idempotency-Key, and shows the receipt of exactly one ballot.
 */
describe('the ballot form retries a 503', () => {
  const web = new WebStack();
  let browser: Browser;

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web.destroy();
  });

  it('tells the person it is retrying, then records one ballot', async () => {
    const schema = web.stack.schemas.voting;
    const applicationName = `plaza-voting:${schema}`.slice(0, 63);
    const round = await openRound(web.stack, {
      ballot: { type: 'approval', minPicks: 1, maxPicks: 2 },
      proposals: [{ unitId: 'centre', cost: 100_000_00 }],
      roll: ['resident-1,centre,'],
    });
    const { page, problems } = await openPage(browser, web, { viewport: 'phone', as: { roles: 'resident', sub: 'resident-1' } });
    await page.goto(`/rounds/${round.roundId}/vote`);
    await page.getByRole('checkbox', { name: 'Proposal 1', exact: true }).check();
    await page.getByRole('button', { name: 'Review my ballot' }).click();
    await page.getByRole('heading', { level: 2, name: 'Check your ballot' }).waitFor();

    const blocker = new Client({ connectionString: TEST_DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${schema}".rounds WHERE round_id = $1 FOR UPDATE`, [round.roundId]);
      await page.getByRole('button', { name: 'Submit my ballot' }).click();
      const blocked = async () => (await sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [applicationName])).length > 0;
      for (let i = 0; i < 200 && !(await blocked()); i++) await new Promise((r) => setTimeout(r, 50));
      await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [applicationName]);
      // The retry waits on the same lock: the page says what is happening meanwhile.
      await page.getByRole('status').getByText('Saving… the service is busy, retrying').waitFor();
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }
    await page.getByRole('heading', { level: 2, name: 'Your ballot has been recorded' }).waitFor();
    expect(await page.getByText('Saving… the service is busy, retrying').count()).toBe(0);
    const [{ n }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".events WHERE type = 'BallotCast'`);
    expect(Number(n)).toBe(1);
    expect(problems.filter((p) => !/503/.test(p))).toEqual([]);
  });
});
