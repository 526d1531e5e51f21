import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { openRound, type OpenRound } from '../support/round';
import { http } from '../support/stack';
import { checkPage, launchBrowser, openPage, WebStack } from '../support/web';

/**
 * Issue #6, the resident pages in Chromium at phone width (key pages also on desktop): a round taking
 * proposals with a district and a category (set up through the APIs), a second round open for voting, then a
 * resident browsing the rounds, proposing (refused inline first, in the API's words, with nothing created),
 * editing, not being able to touch another resident's proposal, filtering, withdrawing, and reading the
 * staff's public review and decision and the history; finally the same in Polish.
 */
/** Intl puts no-break spaces into amounts ("PLN\u00a0700,000.00"); the English checks compare with plain spaces. */
const norm = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');
const text = async (l: Locator) => norm(await l.textContent());
const texts = async (l: Locator) => (await l.allTextContents()).map(norm);

describe('resident pages: rounds and proposals', () => {
  const web = new WebStack();
  let browser: Browser;
  let P: string;
  let roundId: string;
  let voting: OpenRound;
  /** resident-1's proposal made in the browser, then edited. */
  let mineId: string;
  /** resident-2's proposals, made through the API. */
  let bikesId: string;
  let benchesId: string;
  const admin = () => ({ token: web.token('admin') });
  const staff = () => ({ token: web.token('staff', 'clerk-7') });
  const resident = (sub: string) => ({ token: web.token('resident', sub) });
  const proposals = async (query = '') => (await http('GET', `${P}/rounds/${roundId}/proposals${query}`)).body as { total: number; items: { proposalId: string; title: string; status: string }[] };

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();
    P = web.stack.url('proposals');
    voting = await openRound(web.stack, { units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 300_000_00 }] });
    const created = await http(
      'POST',
      `${P}/rounds`,
      {
        name: 'Green Budget 2027',
        currency: 'PLN',
        units: [
          { id: 'old-town', name: 'Old Town', kind: 'district', budget: 500_000_00 },
          { id: 'greenery', name: 'Greenery', kind: 'category', budget: 200_000_00 },
        ],
        schedule: { reviewStartsAt: '2099-03-01T08:00:00Z', votingOpensAt: '2099-04-01T08:00:00Z' },
        ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
        outcome: { rule: 'equalshares' },
        eligibility: { mode: 'roll', minAge: 16, paperPolicy: 'refuse-if-voted-online' },
      },
      admin(),
    );
    expect(created.status).toBe(201);
    roundId = created.body.roundId;
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, admin())).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await web.destroy();
  });

  async function asResident(viewport: 'phone' | 'desktop' = 'phone', sub = 'resident-1', language?: 'en' | 'pl'): Promise<{ page: Page; context: BrowserContext; problems: string[] }> {
    return openPage(browser, web, { viewport, as: { roles: 'resident', sub }, ...(language ? { language } : {}) });
  }
  const h1 = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();

  it('lists the rounds newest first, the one open for voting featured with Vote now (phone and desktop)', async () => {
    for (const viewport of ['phone', 'desktop'] as const) {
      const { page, context, problems } = await asResident(viewport);
      await page.goto('/');
      await h1(page, 'Budget rounds');
      const featured = page.getByRole('region', { name: 'Open for voting now' });
      await featured.waitFor();
      const vote = featured.getByRole('link', { name: 'Vote now in Test round' });
      expect(await vote.getAttribute('href')).toBe(`/rounds/${voting.roundId}/vote`);
      expect(await featured.getByText('Voting open', { exact: true }).count()).toBe(1);
      const others = page.getByRole('region', { name: 'Other rounds' });
      const card = others.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Green Budget 2027' }) });
      expect(await text(card)).toContain('Proposals open');
      expect(await text(card)).toContain('Total budget: PLN 700,000.00');
      expect(await text(card)).toContain('2 districts and categories');
      expect(await text(card)).toContain('You can propose projects now.');
      expect(await text(card)).toMatch(/Next: Under review from 1 Mar 2099/);
      expect(await card.getByRole('link', { name: 'Propose a project in Green Budget 2027' }).getAttribute('href')).toBe(`/rounds/${roundId}/proposals/new`);
      expect(await card.getByRole('link', { name: 'Browse proposals in Green Budget 2027' }).getAttribute('href')).toBe(`/rounds/${roundId}/proposals`);
      await checkPage(page, 'resident-home');
      expect(problems).toEqual([]);
      await context.close();
    }
  }, 240_000);

  it('shows a round: phase, deadline, timeline, budgets, ballot and outcome rules, eligibility (phone and desktop)', async () => {
    for (const viewport of ['phone', 'desktop'] as const) {
      const { page, context, problems } = await asResident(viewport);
      await page.goto('/');
      await page.getByRole('link', { name: 'Green Budget 2027', exact: true }).click();
      await h1(page, 'Green Budget 2027');
      expect(await text(page.locator('dl.facts').first())).toMatch(/Current phase ends1 Mar 2099.*Under review from/);
      const timeline = page.getByRole('list', { name: 'Phases of the round' });
      const steps = await texts(timeline.getByRole('listitem'));
      expect(steps).toHaveLength(5);
      expect(steps[0]).toMatch(/^Proposals open \(current phase\)Started /);
      expect(steps[1]).toBe('Under reviewPlanned for 1 Mar 2099, 08:00');
      expect(steps[2]).toBe('Voting openPlanned for 1 Apr 2099, 08:00');
      expect(steps[3]).toBe('Voting closedNo date set');
      expect(await timeline.locator('[aria-current="step"]').count()).toBe(1);
      const budget = page.getByRole('table', { name: 'Districts and categories with their budgets' });
      expect(await text(budget.getByRole('row', { name: /Old Town/ }))).toBe('Old TownDistrictPLN 500,000.00');
      expect(await text(budget.getByRole('row', { name: /Greenery/ }))).toBe('GreeneryCategoryPLN 200,000.00');
      expect(await text(budget.getByRole('row', { name: /Total/ }))).toBe('TotalPLN 700,000.00');
      const rules = page.getByRole('region', { name: 'How voting works' });
      expect(await text(rules)).toContain('Approval (pick several)');
      expect(await text(rules)).toContain('from 1 to 3');
      expect(await text(rules)).toContain('Method of Equal Shares');
      expect(await text(rules)).toContain('16 years on the day voting opens');
      const actions = page.getByRole('list', { name: 'What you can do' });
      expect(await texts(actions.getByRole('link'))).toEqual(['Propose a project', 'Browse proposals']);
      await checkPage(page, 'resident-round');
      expect(problems).toEqual([]);
      await context.close();
    }
  }, 240_000);

  it('refuses a bad proposal inline in the API’s words and creates nothing, then submits a good one', async () => {
    const { page, context, problems } = await asResident();
    await page.goto(`/rounds/${roundId}`);
    await page.getByRole('link', { name: 'Propose a project' }).click();
    await h1(page, 'Propose a project');
    await page.getByLabel('District or category').selectOption('greenery');
    await page.getByLabel('Title').fill('ab');
    await page.getByLabel('Description').fill('Plant forty trees along the river.');
    await page.getByLabel('Estimated cost (PLN)').fill('12.345');
    await page.getByRole('button', { name: 'Submit the proposal' }).click();

    // The API's own message for this title, word for word, next to the field.
    const api = await http('POST', `${P}/rounds/${roundId}/proposals`, { unitId: 'greenery', title: 'ab', description: '', estimatedCost: 100 }, resident('resident-1'));
    expect(api.status).toBe(400);
    const apiTitle: string[] = api.body.errors.find((e: { field: string }) => e.field === 'title').messages;
    const title = page.getByLabel('Title');
    const titleError = page.locator('#title-error');
    await titleError.waitFor();
    expect(await text(titleError)).toBe(apiTitle.join(' '));
    expect(await title.getAttribute('aria-invalid')).toBe('true');
    expect(await title.getAttribute('aria-describedby')).toContain('title-error');
    expect(await text(page.locator('#estimatedCost-error'))).toBe(
      'estimatedCost must be a non-negative amount in PLN with at most 2 decimal places, for example 1234.50',
    );
    expect(await page.getByLabel('Estimated cost (PLN)').getAttribute('aria-invalid')).toBe('true');
    const summary = page.getByRole('alert');
    expect(await text(summary)).toContain('The proposal could not be saved.');
    expect(await texts(summary.getByRole('link'))).toEqual(['Title', 'Estimated cost (PLN)']);
    expect(await page.locator('.res-summary:focus').count()).toBe(1);
    await checkPage(page, 'resident-proposal-form-invalid');
    // Nothing was sent, nothing exists.
    expect((await proposals()).total).toBe(0);

    // Over the category's whole budget: the decider's refusal, said before sending.
    await page.getByLabel('Title').fill('Trees along the river');
    await page.getByLabel('Estimated cost (PLN)').fill('250000');
    await page.getByRole('button', { name: 'Submit the proposal' }).click();
    await page.locator('#estimatedCost-error').getByText(/exceeds the whole budget of unit Greenery \(PLN\s200,000\.00\)/).waitFor();
    expect(await page.locator('#title-error').count()).toBe(0);
    expect((await proposals()).total).toBe(0);

    await page.getByLabel('Estimated cost (PLN)').fill('120 000,50');
    await page.getByLabel('Location (optional)').fill('Vistula boulevards');
    await page.getByRole('button', { name: 'Submit the proposal' }).click();
    await h1(page, 'Trees along the river');
    await page.getByRole('status').getByText('Your proposal was submitted.').waitFor();
    const list = await proposals();
    expect(list.total).toBe(1);
    mineId = list.items[0]!.proposalId;
    expect(page.url()).toMatch(new RegExp(`/rounds/${roundId}/proposals/${mineId}$`));
    const stored = (await http('GET', `${P}/rounds/${roundId}/proposals/${mineId}`)).body;
    expect(stored).toMatchObject({ unitId: 'greenery', estimatedCost: 120_000_50, location: 'Vistula boulevards', authorPseudonym: expect.stringMatching(/^[0-9a-f]{64}$/), status: 'submitted' });
    expect(await text(page.locator('dl.facts'))).toContain('Estimated cost (by the author)PLN 120,000.50');
    await page.getByRole('link', { name: 'Edit' }).waitFor();
    await page.getByRole('button', { name: 'Withdraw' }).waitFor();
    await checkPage(page, 'resident-proposal-mine');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('edits the proposal with If-Match and shows the change in its history', async () => {
    const { page, context, problems } = await asResident();
    await page.goto(`/rounds/${roundId}/proposals/${mineId}`);
    await h1(page, 'Trees along the river');
    await page.getByRole('link', { name: 'Edit' }).click();
    await h1(page, 'Edit your proposal');
    expect(await page.getByLabel('Title').inputValue()).toBe('Trees along the river');
    expect(await page.getByLabel('Estimated cost (PLN)').inputValue()).toBe('120000.50');
    expect(await page.getByLabel('District or category').inputValue()).toBe('greenery');
    await checkPage(page, 'resident-proposal-form-edit');
    await page.getByLabel('Title').fill('Trees and benches along the river');
    await page.getByLabel('Estimated cost (PLN)').fill('150000');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await h1(page, 'Trees and benches along the river');
    await page.getByRole('status').getByText('Your changes were saved.').waitFor();
    const stored = (await http('GET', `${P}/rounds/${roundId}/proposals/${mineId}`)).body;
    expect(stored).toMatchObject({ title: 'Trees and benches along the river', estimatedCost: 150_000_00, version: 2 });
    const history = page.getByRole('list', { name: 'Events of this proposal, oldest first' });
    const events = await texts(history.getByRole('listitem'));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatch(/Submitted · estimate PLN 120,000\.50$/);
    expect(events[1]).toMatch(/Edited by the author · estimate PLN 150,000\.00$/);
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('does not let one resident change another’s proposal', async () => {
    const bikes = await http(
      'POST',
      `${P}/rounds/${roundId}/proposals`,
      { unitId: 'greenery', title: 'Bike racks at the market', description: 'Twenty racks by the market hall.', estimatedCost: 40_000_00 },
      resident('resident-2'),
    );
    const benches = await http(
      'POST',
      `${P}/rounds/${roundId}/proposals`,
      { unitId: 'old-town', title: 'Benches on the square', description: 'Ten benches with shade.', estimatedCost: 90_000_00, location: 'Main Square' },
      resident('resident-2'),
    );
    expect([bikes.status, benches.status]).toEqual([201, 201]);
    bikesId = bikes.body.proposalId;
    benchesId = benches.body.proposalId;

    const { page, context, problems } = await asResident();
    await page.goto(`/rounds/${roundId}/proposals/${bikesId}`);
    await h1(page, 'Bike racks at the market');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Withdraw' }).count()).toBe(0);
    expect(await page.getByText('This is your proposal').count()).toBe(0);
    await checkPage(page, 'resident-proposal-other');
    await page.goto(`/rounds/${roundId}/proposals/${bikesId}/edit`);
    await h1(page, 'Edit your proposal');
    await page.getByText('Only the author of a proposal can change it.').waitFor();
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    await checkPage(page, 'resident-proposal-form-not-author');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('filters proposals by district or category, status, words and cost, in the URL (phone and desktop)', async () => {
    const { page, context, problems } = await asResident();
    await page.goto(`/rounds/${roundId}/proposals`);
    await h1(page, 'Proposals: Green Budget 2027');
    const count = page.locator('.res-count');
    expect(await count.getAttribute('aria-live')).toBe('polite');
    await count.getByText('3 proposals found').waitFor();
    const titles = () => page.locator('.res-results h3').allTextContents();
    expect(await titles()).toEqual(['Trees and benches along the river', 'Bike racks at the market', 'Benches on the square']);
    const mine = page.locator('.res-results li', { hasText: 'Trees and benches' });
    expect(await text(mine)).toMatch(/Submitted.*Greenery.*Estimated cost: PLN 150,000\.00.*Your proposal/);
    await checkPage(page, 'resident-proposals');

    await page.getByLabel('District or category').selectOption('old-town');
    await page.getByRole('button', { name: 'Show proposals' }).click();
    await count.getByText('1 proposal found').waitFor();
    expect(await titles()).toEqual(['Benches on the square']);
    expect(page.url()).toContain('unitId=old-town');

    await page.getByLabel('District or category').selectOption('');
    await page.getByLabel('Search').fill('RACKS market');
    await page.getByRole('button', { name: 'Show proposals' }).click();
    await count.getByText('1 proposal found').waitFor();
    expect(await titles()).toEqual(['Bike racks at the market']);

    await page.getByLabel('Search').fill('');
    await page.getByLabel('Cost from (PLN)').fill('50000');
    await page.getByLabel('Cost up to (PLN)').fill('150000');
    await page.getByRole('button', { name: 'Show proposals' }).click();
    await count.getByText('2 proposals found').waitFor();
    expect(await titles()).toEqual(['Trees and benches along the river', 'Benches on the square']);
    expect(page.url()).toContain('minCost=5000000');
    expect(page.url()).toContain('maxCost=15000000');

    // A cost that is not an amount: said inline, the filters stay as they were.
    await page.getByLabel('Cost up to (PLN)').fill('lots');
    await page.getByRole('button', { name: 'Show proposals' }).click();
    await page.locator('#maxCost-error').getByText('Enter an amount in PLN, for example 1234.50.').waitFor();
    expect(await page.getByLabel('Cost up to (PLN)').getAttribute('aria-invalid')).toBe('true');
    expect(page.url()).toContain('maxCost=15000000');
    await checkPage(page, 'resident-proposals-filtered');

    // Back: the previous filters (the search) come back, in the form and the list.
    await page.goBack();
    await count.getByText('1 proposal found').waitFor();
    expect(await page.getByLabel('Search').inputValue()).toBe('RACKS market');
    expect(await page.getByLabel('Cost from (PLN)').inputValue()).toBe('');

    // A shared link with a status filter, on desktop.
    const desktop = await asResident('desktop');
    await desktop.page.goto(`/rounds/${roundId}/proposals?status=submitted&unitId=greenery`);
    await desktop.page.locator('.res-count').getByText('2 proposals found').waitFor();
    expect(await desktop.page.getByLabel('Status').inputValue()).toBe('submitted');
    expect(await desktop.page.getByLabel('District or category').inputValue()).toBe('greenery');
    await desktop.page.getByLabel('Status').selectOption('withdrawn');
    await desktop.page.getByRole('button', { name: 'Show proposals' }).click();
    await desktop.page.locator('.res-count').getByText('0 proposals found').waitFor();
    await desktop.page.getByText('No proposal matches these filters.').waitFor();
    await desktop.page.getByRole('button', { name: 'Clear filters' }).click();
    await desktop.page.locator('.res-count').getByText('3 proposals found').waitFor();
    await checkPage(desktop.page, 'resident-proposals');
    expect(desktop.problems).toEqual([]);
    await desktop.context.close();
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('withdraws a proposal after confirming, with a public reason', async () => {
    const fountain = await http(
      'POST',
      `${P}/rounds/${roundId}/proposals`,
      { unitId: 'old-town', title: 'Drinking fountain', description: 'A fountain by the town hall.', estimatedCost: 30_000_00 },
      resident('resident-1'),
    );
    expect(fountain.status).toBe(201);
    const { page, context, problems } = await asResident();
    await page.goto(`/rounds/${roundId}/proposals/${fountain.body.proposalId}`);
    await h1(page, 'Drinking fountain');
    await page.getByRole('button', { name: 'Withdraw' }).click();
    const confirm = page.getByRole('group', { name: 'Withdraw this proposal?' });
    await confirm.waitFor();
    expect(await page.locator('h2:focus').textContent()).toBe('Withdraw this proposal?');
    await checkPage(page, 'resident-proposal-withdraw-confirm');
    // Cancel returns to the button; nothing changed.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Withdraw' }).waitFor();
    expect((await http('GET', `${P}/rounds/${roundId}/proposals/${fountain.body.proposalId}`)).body.status).toBe('submitted');

    await page.getByRole('button', { name: 'Withdraw' }).click();
    await confirm.getByLabel('Reason (optional, shown publicly)').fill('The city already plans one.');
    await confirm.getByRole('button', { name: 'Yes, withdraw it' }).click();
    await page.getByRole('status').getByText('Your proposal was withdrawn.').waitFor();
    await page.getByRole('heading', { name: 'Why the author withdrew it' }).waitFor();
    await page.getByText('The city already plans one.', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Withdraw' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    const stored = (await http('GET', `${P}/rounds/${roundId}/proposals/${fountain.body.proposalId}`)).body;
    expect(stored).toMatchObject({ status: 'withdrawn', decisionReason: 'The city already plans one.' });
    const events = await texts(page.getByRole('list', { name: 'Events of this proposal, oldest first' }).getByRole('listitem'));
    expect(events[1]).toMatch(/Withdrawn · reason: The city already plans one\.$/);
    await checkPage(page, 'resident-proposal-withdrawn');

    // The status filter finds it.
    await page.goto(`/rounds/${roundId}/proposals?status=withdrawn`);
    await page.locator('.res-count').getByText('1 proposal found').waitFor();
    expect(await texts(page.locator('.res-results h3'))).toEqual(['Drinking fountain']);
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('shows the staff’s review, the accepted cost and the reasons, and the history (phone and desktop)', async () => {
    const base = `${P}/rounds/${roundId}/proposals`;
    const review = await http('POST', `${base}/${mineId}/reviews`, { feasibilityNotes: 'Feasible; needs a permit from the water authority.', costEstimate: 140_000_00 }, staff());
    expect(review.status).toBe(200);
    const accept = await http('POST', `${base}/${mineId}/accept`, { cost: 145_000_00, reason: 'Cost checked with the parks department.' }, staff());
    expect(accept.status).toBe(200);
    const reject = await http('POST', `${base}/${benchesId}/reject`, { reason: 'The square is being rebuilt next year.' }, staff());
    expect(reject.status).toBe(200);
    for (const viewport of ['phone', 'desktop'] as const) {
      const { page, context, problems } = await asResident(viewport);
      await page.goto(`/rounds/${roundId}/proposals/${mineId}`);
      await h1(page, 'Trees and benches along the river');
      const facts = await text(page.locator('dl.facts'));
      expect(facts).toContain('StatusAccepted');
      expect(facts).toContain('Estimated cost (by the author)PLN 150,000.00');
      expect(facts).toContain('Reviewed cost (used in the count)PLN 145,000.00');
      const reviewSection = page.getByRole('region', { name: 'Review by city staff' });
      expect(await text(reviewSection)).toContain('Feasible; needs a permit from the water authority.');
      expect(await text(reviewSection)).toContain('Staff cost estimate: PLN 140,000.00');
      const decision = page.getByRole('region', { name: 'Decision' });
      expect(await text(decision)).toContain('Accepted onto the ballot with a reviewed cost of PLN 145,000.00.');
      expect(await decision.getByRole('heading', { name: 'Why it was accepted' }).count()).toBe(1);
      expect(await text(decision)).toContain('Cost checked with the parks department.');
      // Accepted: the author can no longer change it.
      expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
      const events = await texts(page.getByRole('list', { name: 'Events of this proposal, oldest first' }).getByRole('listitem'));
      expect(events).toHaveLength(4);
      expect(events.map((e) => e.replace(/^.*?(Submitted|Edited|Reviewed|Accepted)/, '$1'))).toEqual([
        'Submitted · estimate PLN 120,000.50',
        'Edited by the author · estimate PLN 150,000.00',
        'Reviewed by city staff · estimate PLN 140,000.00',
        'Accepted · cost PLN 145,000.00 · reason: Cost checked with the parks department.',
      ]);
      await checkPage(page, 'resident-proposal-accepted');

      await page.goto(`/rounds/${roundId}/proposals/${benchesId}`);
      await h1(page, 'Benches on the square');
      await page.getByRole('heading', { name: 'Why it was rejected' }).waitFor();
      await page.getByText('The square is being rebuilt next year.', { exact: true }).waitFor();
      expect(await page.getByText('City staff have not reviewed this proposal yet.').count()).toBe(1);
      if (viewport === 'phone') await checkPage(page, 'resident-proposal-rejected');

      // The list shows the reviewed cost of the accepted one.
      await page.goto(`/rounds/${roundId}/proposals?status=accepted`);
      await page.locator('.res-count').getByText('1 proposal found').waitFor();
      expect(await text(page.locator('.res-results li'))).toContain('Reviewed cost: PLN 145,000.00');
      expect(problems).toEqual([]);
      await context.close();
    }
  }, 240_000);

  it('merges are linked both ways', async () => {
    const sibling = await http(
      'POST',
      `${P}/rounds/${roundId}/proposals`,
      { unitId: 'greenery', title: 'More bike racks', description: 'Racks near the station too.', estimatedCost: 10_000_00 },
      resident('resident-3'),
    );
    expect(sibling.status).toBe(201);
    const merge = await http('POST', `${P}/rounds/${roundId}/proposals/${bikesId}/merge`, { sources: [sibling.body.proposalId] }, staff());
    expect(merge.status).toBe(200);
    const { page, context, problems } = await asResident();
    await page.goto(`/rounds/${roundId}/proposals/${sibling.body.proposalId}`);
    await h1(page, 'More bike racks');
    const into = page.getByRole('region', { name: 'Decision' }).getByRole('link', { name: 'Bike racks at the market' });
    expect(await into.getAttribute('href')).toBe(`/rounds/${roundId}/proposals/${bikesId}`);
    await into.click();
    await h1(page, 'Bike racks at the market');
    const from = page.getByRole('region', { name: 'Decision' }).getByRole('link', { name: 'More bike racks' });
    expect(await from.getAttribute('href')).toBe(`/rounds/${roundId}/proposals/${sibling.body.proposalId}`);
    const events = await texts(page.getByRole('list', { name: 'Events of this proposal, oldest first' }).getByRole('listitem'));
    expect(events[1]).toMatch(/Other proposals merged into it · 1 proposal$/);
    await checkPage(page, 'resident-proposal-merged');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('explains why nothing can be proposed once submission has closed, and to a visitor who is not signed in', async () => {
    const visitor = await openPage(browser, web, { viewport: 'phone' });
    await visitor.page.goto(`/rounds/${roundId}/proposals/new`);
    await h1(visitor.page, 'Propose a project');
    await visitor.page.getByText('You need to sign in as a resident to propose a project.').waitFor();
    const signIn = visitor.page.getByRole('main').getByRole('link', { name: 'Sign in' });
    expect(await signIn.getAttribute('href')).toBe(`/signin?next=${encodeURIComponent(`/rounds/${roundId}/proposals/new`)}`);
    await checkPage(visitor.page, 'resident-proposal-form-signin');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();

    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'review' }, admin())).status).toBe(200);
    const { page, context, problems } = await asResident();
    await page.goto(`/rounds/${roundId}/proposals/new`);
    await h1(page, 'Propose a project');
    await page.getByText('Proposals cannot be submitted now: the round is in the phase “Under review”.', { exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Submit the proposal' }).count()).toBe(0);
    await checkPage(page, 'resident-proposal-form-closed');
    await page.goto(`/rounds/${roundId}/proposals`);
    await page.locator('.res-count').getByText('5 proposals found').waitFor();
    expect(await page.getByRole('link', { name: 'Propose a project' }).count()).toBe(0);
    // Paging by offset (20 a page): a link from the fourth proposal on, and back to the first page.
    await page.goto(`/rounds/${roundId}/proposals?offset=3`);
    const pages = page.getByRole('navigation', { name: 'Pages' });
    await pages.getByText('Showing 4–5 of 5').waitFor();
    expect(await texts(page.locator('.res-results h3'))).toEqual(['Drinking fountain', 'More bike racks']);
    expect(await pages.getByRole('link', { name: 'Next page' }).count()).toBe(0);
    await pages.getByRole('link', { name: 'Previous page' }).click();
    await pages.getByText('Showing 1–5 of 5').waitFor();
    expect(page.url()).not.toContain('offset');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('speaks Polish: headings, phases and PLN amounts formatted for pl-PL', async () => {
    const { page, context, problems } = await asResident('phone', 'resident-1', 'pl');
    await page.goto(`/rounds/${roundId}`);
    await h1(page, 'Green Budget 2027');
    await page.getByRole('heading', { level: 2, name: 'Budżet' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Jak się głosuje' }).waitFor();
    const total = await page.getByRole('table', { name: 'Dzielnice i kategorie z ich budżetami' }).getByRole('row', { name: /Razem/ }).textContent();
    const pln = new Intl.NumberFormat('pl-PL', { style: 'currency', currency: 'PLN' });
    expect(pln.format(700_000)).toMatch(/^700[\u00a0\u202f]000,00[\u00a0\u202f]zł$/);
    expect(total).toBe(`Razem${pln.format(700_000)}`);
    expect(await page.locator('dl.facts').first().textContent()).toContain('EtapWeryfikacja');
    await checkPage(page, 'resident-round-pl');
    await page.goto(`/rounds/${roundId}/proposals`);
    await h1(page, 'Projekty: Green Budget 2027');
    await page.locator('.res-count').getByText('Znaleziono 5 projektów').waitFor();
    expect(await page.locator('.res-results li', { hasText: 'Trees and benches' }).textContent()).toContain(`Koszt po weryfikacji: ${pln.format(145_000)}`);
    await checkPage(page, 'resident-proposals-pl');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);
  it('shows a HUF round in forints as entered (the minor unit is the fillér, two digits, whatever Intl says)', async () => {
    const created = await http(
      'POST',
      `${P}/rounds`,
      {
        name: 'Budapest Community Budget',
        currency: 'HUF',
        units: [{ id: 'budapest', name: 'Budapest', kind: 'district', budget: 1_000_000_000_00 }],
        schedule: { reviewStartsAt: '2099-03-01T08:00:00Z', votingOpensAt: '2099-04-01T08:00:00Z' },
        ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
        outcome: { rule: 'greedy' },
        eligibility: { mode: 'roll', minAge: 16, paperPolicy: 'refuse-if-voted-online' },
      },
      admin(),
    );
    expect(created.status).toBe(201);
    const hufRound = created.body.roundId as string;
    expect((await http('POST', `${P}/rounds/${hufRound}/phase`, { to: 'submission' }, admin())).status).toBe(200);
    const { page, context, problems } = await asResident();
    await page.goto(`/rounds/${hufRound}`);
    await h1(page, 'Budapest Community Budget');
    const budget = page.getByRole('table', { name: 'Districts and categories with their budgets' });
    expect(await text(budget.getByRole('row', { name: /Budapest/ }))).toBe('BudapestDistrictHUF 1,000,000,000');
    await page.getByRole('link', { name: 'Propose a project' }).click();
    await h1(page, 'Propose a project');
    await page.getByLabel('Title').fill('Shade trees on Ráday utca');
    await page.getByLabel('Description').fill('Twelve plane trees with drip irrigation.');
    await page.getByLabel('Estimated cost (HUF)').fill('25000000');
    await page.getByRole('button', { name: 'Submit the proposal' }).click();
    await h1(page, 'Shade trees on Ráday utca');
    const list = (await http('GET', `${P}/rounds/${hufRound}/proposals`)).body as { items: { estimatedCost: number }[] };
    expect(list.items.map((i) => i.estimatedCost)).toEqual([25_000_000_00]);
    expect(await text(page.locator('dl.facts'))).toContain('Estimated cost (by the author)HUF 25,000,000');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);
});
