import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { VERIFY_CHECKS } from '@plaza/bundle';
import { expectEventually } from '@plaza/testing';
import { exportBundle } from '../../apps/cli/src/commands/audit-export';
import { editEvent, entryOf, otherChoice } from '../support/bundle-tamper';
import { http } from '../support/stack';
import { votingKnows } from '../support/round';
import { checkPage, launchBrowser, movePhase, openPage, pressUntilAnnounced, statusMessage, WebStack } from '../support/web';

/**
 * Issue #6's story in one run, every step a person takes done in Chromium against the real services (nothing set
 * up through the API): an administrator configures two rounds that run side by side — a district round with a
 * budget (knapsack) ballot counted by Equal Shares and a voter roll, and a youth round with a ranked ballot counted
 * greedily and voting codes — two residents propose in both, staff accept, residents vote (signed in through the
 * development identity provider, or with a code), the administrator closes and publishes, the results explain
 * themselves, an auditor verifies the round in the browser, and a tampered copy of its bundle is shown failing.
 * The tests below run in order and build on each other; the API is only read, to check what the pages did.
 */
describe('the whole story in the browser: configure, propose, review, vote with two ballot types, close, results, verify', () => {
  const web = new WebStack();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[][] = [];
  const dirs: string[] = [];
  const P = () => web.stack.url('proposals');
  const V = () => web.stack.url('voting');
  const A = () => web.stack.url('audit');
  const asAdmin = () => ({ token: web.token('admin') });

  let admin: Page;
  let district: string; // round id: knapsack, Equal Shares, roll
  let youth: string; // round id: ranked, greedy, codes
  const ids: Record<string, string> = {};
  let codes: string[] = [];

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await browser?.close();
    await web.destroy();
  });

  /** A new browser context for one person; its console errors and page errors are checked at the end. */
  async function person(viewport: 'phone' | 'desktop', as?: { roles: 'admin' | 'staff'; sub: string }): Promise<Page> {
    const opened = await openPage(browser, web, { viewport, ...(as ? { as: { roles: [as.roles], sub: as.sub } } : {}) });
    contexts.push(opened.context);
    problems.push(opened.problems);
    return opened.page;
  }

  const h1 = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();
  const h2 = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 2, name }).waitFor();

  /** Fills the round form's name and the first unit; the caller sets the rest. */
  async function startRoundForm(page: Page, name: string, currency: string, unit: { id: string; name: string; kind: 'district' | 'category'; budget: string }) {
    await page.goto('/admin');
    await h1(page, 'Administration');
    await page.getByRole('link', { name: 'New round' }).click();
    await h1(page, 'New round');
    const basics = page.getByRole('group', { name: 'Name and currency' });
    await basics.getByLabel('Name').fill(name);
    await basics.getByLabel('Currency').fill(currency);
    const u = page.getByRole('group', { name: 'Unit 1' });
    await u.getByLabel('Id').fill(unit.id);
    await u.getByLabel('Name').fill(unit.name);
    await u.getByLabel('Kind').selectOption(unit.kind);
    await u.getByLabel(`Budget (${currency})`).fill(unit.budget);
  }

  async function createRound(page: Page, name: string): Promise<string> {
    await page.getByRole('button', { name: 'Create round' }).click();
    await h1(page, name);
    await statusMessage(page, 'The round was created as a draft.').waitFor();
    return page.url().split('/').pop()!;
  }

  it('an administrator creates both rounds through the form and opens submission', async () => {
    admin = await person('desktop', { roles: 'admin', sub: 'city-admin' });

    await startRoundForm(admin, 'Riverside 2027', 'PLN', { id: 'old-town', name: 'Old Town', kind: 'district', budget: '300000' });
    await admin.getByLabel('Ballot type').selectOption('knapsack');
    await admin.getByLabel('Rule').selectOption('equalshares');
    await admin.getByRole('radio', { name: 'Voter roll' }).check();
    await checkPage(admin, 'story-admin-round-form');
    district = await createRound(admin, 'Riverside 2027');
    await movePhase(admin, 'Open submission', 'Proposals open');

    await startRoundForm(admin, 'Youth Green Budget', 'EUR', { id: 'green', name: 'Greenery', kind: 'category', budget: '50000' });
    await admin.getByLabel('Ballot type').selectOption('ranked');
    await admin.getByLabel('Length of the ranking (places)').fill('2');
    await admin.getByLabel('Rule').selectOption('greedy');
    await admin.getByRole('radio', { name: 'Voting codes' }).check();
    youth = await createRound(admin, 'Youth Green Budget');
    await movePhase(admin, 'Open submission', 'Proposals open');
    await checkPage(admin, 'story-admin-round-submission');

    // What the form sent is what the services hold.
    const [d, y] = await Promise.all([district, youth].map(async (id) => (await http('GET', `${P()}/rounds/${id}`, undefined, asAdmin())).body));
    expect(d).toMatchObject({
      phase: 'submission',
      config: {
        name: 'Riverside 2027',
        currency: 'PLN',
        units: [{ id: 'old-town', name: 'Old Town', kind: 'district', budget: 300_000_00 }],
        ballot: { type: 'knapsack' },
        outcome: { rule: 'equalshares' },
        eligibility: { mode: 'roll' },
      },
    });
    expect(y).toMatchObject({
      phase: 'submission',
      config: { currency: 'EUR', units: [{ id: 'green', kind: 'category', budget: 50_000_00 }], ballot: { type: 'ranked', maxPicks: 2 }, outcome: { rule: 'greedy' }, eligibility: { mode: 'codes' } },
    });
  }, 300_000);

  it('two residents sign in and propose projects in both rounds from their phones', async () => {
    const propose = async (page: Page, roundId: string, title: string, cost: string) => {
      await page.goto(`/rounds/${roundId}`);
      await page.getByRole('link', { name: 'Propose a project' }).click();
      await h1(page, 'Propose a project');
      await page.getByLabel('Title').fill(title);
      await page.getByLabel('Description').fill(`${title}: an idea from the neighbourhood, costed with the city's price list.`);
      await page.getByLabel(/^Estimated cost/).fill(cost);
      await page.getByRole('button', { name: 'Submit the proposal' }).click();
      await h1(page, title);
      await statusMessage(page, 'Your proposal was submitted.').waitFor();
      ids[title] = page.url().split('/').pop()!;
    };
    for (const [resident, mine] of [
      ['resident-1', [[district, 'Benches on the river path', '120000'], [youth, 'Community garden', '30000']]],
      ['resident-2', [[district, 'Lights in Cathedral Square', '250000'], [youth, 'Tree library', '25000']]],
    ] as const) {
      const page = await person('phone');
      await page.goto(`/signin?next=${encodeURIComponent(`/rounds/${district}`)}`);
      await h1(page, 'Sign in');
      await page.getByLabel('User id').fill(resident);
      await page.getByRole('button', { name: 'Sign in (development)' }).click();
      await h1(page, 'Riverside 2027');
      for (const [roundId, title, cost] of mine) await propose(page, roundId, title, cost);
      await checkPage(page, `story-proposal-${resident}`);
    }
    // Authors are pseudonymous in answers and events: who wrote what is what each resident's own `mine` list says.
    const listed = async (roundId: string) =>
      (
        await Promise.all(
          ['resident-1', 'resident-2'].map(async (r) =>
            (await http('GET', `${P()}/rounds/${roundId}/proposals?mine=true`, undefined, { token: web.token('resident', r) })).body.items.map(
              (p: { title: string; status: string }) => [p.title, r, p.status],
            ),
          ),
        )
      ).flat();
    expect((await listed(district)).sort()).toEqual([
      ['Benches on the river path', 'resident-1', 'submitted'],
      ['Lights in Cathedral Square', 'resident-2', 'submitted'],
    ]);
    expect((await listed(youth)).sort()).toEqual([
      ['Community garden', 'resident-1', 'submitted'],
      ['Tree library', 'resident-2', 'submitted'],
    ]);
  }, 300_000);

  it('staff review and accept the proposals with the checked costs; the administrator imports the roll, generates codes and opens voting', async () => {
    for (const roundId of [district, youth]) {
      await admin.goto(`/admin/rounds/${roundId}`);
      await movePhase(admin, 'Start review', 'Under review');
    }
    const clerk = await person('desktop', { roles: 'staff', sub: 'clerk-1' });
    const accept = async (roundId: string, title: string, cost: string, reason: string) => {
      await clerk.goto(`/admin/rounds/${roundId}/review`);
      const card = clerk.getByRole('article', { name: title });
      await card.locator('summary', { hasText: 'Review and decide' }).click();
      await card.getByLabel('Feasibility notes').fill('Site visited; the parks department agrees.');
      await card.getByLabel(/^Cost estimate/).fill(cost);
      await card.getByRole('button', { name: 'Save review' }).click();
      await statusMessage(clerk, `Review saved for “${title}”.`).waitFor();
      const form = card.getByRole('form', { name: 'Accept', exact: true });
      await expectEventually(async () => expect(await form.getByLabel(/^Cost the tally uses/).inputValue()).toBe(cost));
      await form.getByLabel('Public reason').fill(reason);
      await form.getByRole('button', { name: 'Accept proposal' }).click();
      await statusMessage(clerk, `“${title}” accepted.`).waitFor();
    };
    await accept(district, 'Benches on the river path', '100000', 'Feasible; the city’s price list gives 100,000.');
    await accept(district, 'Lights in Cathedral Square', '250000', 'Feasible as estimated.');
    await checkPage(clerk, 'story-review');
    await accept(youth, 'Community garden', '30000', 'Feasible.');
    await accept(youth, 'Tree library', '25000', 'Feasible.');
    const cost = async (roundId: string, title: string) => (await http('GET', `${P()}/rounds/${roundId}/proposals/${ids[title]}`)).body;
    expect(await cost(district, 'Benches on the river path')).toMatchObject({ status: 'accepted', cost: 100_000_00, estimatedCost: 120_000_00 });
    expect(await cost(youth, 'Tree library')).toMatchObject({ status: 'accepted', cost: 25_000_00 });

    // The roll of the district round: three Old Town residents.
    await votingKnows(web.stack, district, 'review');
    await admin.goto(`/admin/rounds/${district}/voters`);
    await h1(admin, 'Voters: Riverside 2027');
    await admin.getByLabel('Roll file (CSV)').setInputFiles({
      name: 'old-town-roll.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('resident_id,unit_id,birth_year\nresident-1,old-town,1984\nresident-2,old-town,1958\nresident-3,old-town,2003\n'),
    });
    await admin.getByRole('button', { name: 'Import 3 residents' }).click();
    await statusMessage(admin, 'The roll was imported.').waitFor();

    // Three voting codes for the youth round, downloaded as CSV.
    await votingKnows(web.stack, youth, 'review');
    await admin.goto(`/admin/rounds/${youth}/voters`);
    await admin.getByText('Eligibility: Voting codes.').waitFor();
    await admin.getByLabel('Number of codes').fill('3');
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: 'Generate and download codes' }).click()]);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('code,round_id,unit_id');
    codes = lines.slice(1).map((l) => l.split(',')[0]!);
    expect(codes).toHaveLength(3);
    await statusMessage(admin, '3 codes generated for Greenery.').waitFor();

    for (const roundId of [district, youth]) {
      await admin.goto(`/admin/rounds/${roundId}`);
      await movePhase(admin, 'Open voting', 'Voting open');
    }
    await checkPage(admin, 'story-admin-voting-open');
    await votingKnows(web.stack, district, 'voting');
    await votingKnows(web.stack, youth, 'voting');
  }, 300_000);

  it('residents vote: budget ballots in the district round (signed in), ranked ballots in the youth round (with codes)', async () => {
    const knapsack = async (resident: string, titles: string[]) => {
      const page = await person('phone');
      await page.goto(`/signin?next=${encodeURIComponent(`/rounds/${district}/vote`)}`);
      await page.getByLabel('User id').fill(resident);
      await page.getByRole('button', { name: 'Sign in (development)' }).click();
      await h1(page, 'Vote: Riverside 2027');
      const meter = page.getByRole('meter', { name: 'Budget used' });
      await meter.waitFor();
      for (const title of titles) await page.getByRole('checkbox', { name: title, exact: true }).check();
      if (titles.length === 1 && titles[0] === 'Benches on the river path') {
        // 100,000 of 300,000 used: the 250,000 lights no longer fit, and say so.
        await expectEventually(async () => expect(await meter.getAttribute('aria-valuenow')).toBe(String(100_000_00)));
        expect(await page.getByRole('checkbox', { name: 'Lights in Cathedral Square', exact: true }).isDisabled()).toBe(true);
      }
      await page.getByRole('button', { name: 'Review my ballot' }).click();
      await page.getByRole('button', { name: 'Submit my ballot' }).click();
      await h2(page, 'Your ballot has been recorded');
      return page;
    };
    const first = await knapsack('resident-1', ['Benches on the river path']);
    await checkPage(first, 'story-vote-knapsack-receipt');
    await knapsack('resident-2', ['Lights in Cathedral Square']);
    await knapsack('resident-3', ['Benches on the river path']);

    const ranked = async (code: string, order: string[], byKeyboard = false) => {
      const page = await person('phone');
      await page.goto(`/signin?next=${encodeURIComponent(`/rounds/${youth}/vote`)}`);
      await page.getByRole('combobox', { name: 'Round' }).selectOption(youth);
      await page.getByLabel('Voting code', { exact: true }).fill(code);
      await page.getByRole('button', { name: 'Sign in with my code' }).click();
      await h1(page, 'Vote: Youth Green Budget');
      const shown = async () => (await page.getByTestId('rank-item').locator('.ballot-title').allTextContents()).map((s) => s.replace(/^Place \d+: /, ''));
      if (byKeyboard) {
        // Added in the wrong order, then the first moved down with the keyboard (dnd-kit's keyboard sensor).
        for (const title of [...order].reverse()) await page.getByRole('button', { name: `Add to my ranking: ${title}` }).click();
        await expectEventually(async () => expect(await shown()).toEqual([...order].reverse()));
        const handle = page.getByRole('button', { name: new RegExp(`^Reorder ${order[1]},`) });
        await handle.focus();
        await page.keyboard.press('Space');
        await expectEventually(async () => expect(await handle.getAttribute('aria-pressed')).toBe('true'));
        await pressUntilAnnounced(page, 'ArrowDown', page.locator('[id^=DndLiveRegion]'), `${order[1]} is over place 2 of 2.`);
        await page.keyboard.press('Space');
        await checkPage(page, 'story-vote-ranked');
      } else {
        for (const title of order) await page.getByRole('button', { name: `Add to my ranking: ${title}` }).click();
      }
      await expectEventually(async () => expect(await shown()).toEqual(order));
      await page.getByRole('button', { name: 'Review my ballot' }).click();
      await page.getByRole('button', { name: 'Submit my ballot' }).click();
      await h2(page, 'Your ballot has been recorded');
    };
    await ranked(codes[0]!, ['Community garden', 'Tree library'], true);
    await ranked(codes[1]!, ['Tree library', 'Community garden']);
    await ranked(codes[2]!, ['Community garden', 'Tree library']);

    // What the voting service holds: three ballots in each round, from its three registered voters or codes.
    for (const roundId of [district, youth]) {
      const box = (await http('GET', `${V()}/rounds/${roundId}/ballot-box`, undefined, asAdmin())).body;
      expect(box).toMatchObject({ phase: 'voting', ballots: 3, registeredVoters: 3 });
    }
  }, 300_000);

  it('the administrator closes voting and publishes; the results pages show the winners and explain them', async () => {
    for (const roundId of [district, youth]) {
      await admin.goto(`/admin/rounds/${roundId}`);
      await movePhase(admin, 'Close voting', 'Voting closed');
    }
    const declared = async (roundId: string) =>
      expectEventually(async () => {
        const res = await http('GET', `${V()}/rounds/${roundId}/results`);
        expect(res.status).toBe(200);
        return res.body;
      }, { timeoutMs: 30_000 });
    const [districtResults, youthResults] = [await declared(district), await declared(youth)];
    for (const roundId of [district, youth]) {
      await admin.goto(`/admin/rounds/${roundId}`);
      await movePhase(admin, 'Publish results', 'Results published');
    }
    await checkPage(admin, 'story-admin-published');

    // Equal Shares: 300,000 split over 3 voters (100,000 each). The benches (100,000) are paid by their two
    // supporters; the lights (250,000) have one supporter with 100,000, so they are not funded.
    expect(districtResults.units[0].selected).toEqual([ids['Benches on the river path']]);
    // Borda over places (2, 1): garden 2+1+2 = 5, library 1+2+1 = 4; the garden (30,000) is funded, the library
    // (25,000) no longer fits in the 20,000 left.
    expect(youthResults.units[0].selected).toEqual([ids['Community garden']]);

    const resident = await person('phone');
    await resident.goto(`/rounds/${district}/results`);
    await h1(resident, /Results/);
    await resident.getByRole('heading', { level: 3, name: '1 funded project' }).waitFor();
    expect(await resident.locator('ol.winners li').allTextContents()).toEqual([expect.stringContaining('Benches on the river path')]);
    await resident.getByRole('heading', { level: 4, name: 'Who paid what (Equal Shares)' }).waitFor();
    await resident.getByRole('table', { name: 'Funding rounds: the price each supporter paid' }).waitFor();
    expect(await resident.locator('.explain-list li.explain-lost', { hasText: 'Lights in Cathedral Square' }).textContent()).toMatch(/not enough to pay for it/);
    await resident.getByText('Verified.').waitFor({ timeout: 30_000 });
    await checkPage(resident, 'story-results-equal-shares');

    await resident.goto(`/rounds/${youth}/results`);
    await resident.getByRole('heading', { level: 3, name: '1 funded project' }).waitFor();
    expect(await resident.locator('ol.winners li').allTextContents()).toEqual([expect.stringContaining('Community garden')]);
    expect(await resident.locator('.explain-list li', { hasText: 'Tree library' }).textContent()).toMatch(/Did not fit: only .*20,000\.00 was left/);
    await checkPage(resident, 'story-results-ranked');

    // resident-1 checks their receipt after the close: the page says, in plain words, that it was counted.
    const mine = (await http('GET', `${V()}/rounds/${district}/ballots/mine`, undefined, { token: web.token('resident', 'resident-1') })).body;
    const receipt = mine.current[0];
    await resident.goto(`/receipts?eventId=${receipt.eventId}&leafHash=${receipt.leafHash}`);
    const fate = resident.getByTestId('ballot-fate');
    await fate.getByText('It was counted when voting closed.').waitFor({ timeout: 30_000 });
    await fate.getByText('It is the latest version you cast in this area: nothing replaced it.').waitFor();
    await checkPage(resident, 'story-receipt-counted');
  }, 300_000);

  it('an auditor verifies the district round in the browser, and a tampered copy of its bundle fails', async () => {
    await expectEventually(async () => expect((await http('GET', `${A()}/rounds/${district}/verification`)).body.status).toBe('verified'), { timeoutMs: 30_000 });
    const auditor = await person('desktop');
    await auditor.goto(`/rounds/${district}/audit`);
    await h1(auditor, /Audit of a round/);
    await auditor.getByRole('button', { name: 'Verify this round’s bundle' }).click();
    await auditor.getByRole('heading', { name: 'Verification passed' }).waitFor({ timeout: 60_000 });
    expect(await auditor.locator('.check-list li.check-failed').count()).toBe(0);
    expect(await auditor.locator('.check-list li.check-ok').count()).toBe(VERIFY_CHECKS.length);
    const recount = auditor.locator('table.recount-table');
    expect(await recount.getByRole('row', { name: /Old Town/ }).textContent()).toMatch(/Benches on the river path.*Benches on the river path.*Same/);
    await checkPage(auditor, 'story-audit-verified');

    // The auditor's own copy (what `plaza audit export` writes), one ballot's choice changed: the page names the check.
    const dir = mkdtempSync(join(tmpdir(), 'plaza-story-bundle-'));
    dirs.push(dir);
    await exportBundle(district, { out: dir, url: A() });
    editEvent(dir, entryOf(dir, 'BallotCast'), otherChoice(dir), false);
    await auditor.getByLabel('Bundle files').setInputFiles(readdirSync(dir).map((f) => join(dir, f)));
    await auditor.getByRole('heading', { name: 'Verification FAILED' }).waitFor({ timeout: 60_000 });
    expect(await auditor.locator('.check-list li.check-failed', { hasText: 'Leaf hashes' }).count()).toBe(1);
    await checkPage(auditor, 'story-audit-tampered');
  }, 300_000);

  it('no page of the story logged an error', () => {
    expect(problems.flat()).toEqual([]);
  });
});
