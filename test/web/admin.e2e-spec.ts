import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { RoundConfig } from '@plaza/contracts';
import { expectEventually } from '@plaza/testing';
import { http } from '../support/stack';
import { votingKnows } from '../support/round';
import { checkPage, launchBrowser, movePhase, openPage, statusMessage, WebStack } from '../support/web';

/**
 * The administrator and staff pages (apps/web/ui/src/pages/admin) in Chromium against the real services:
 * a round created and configured through the form, moved through its phases, proposals reviewed, a roll
 * imported, paper ballots reconciled, voting codes downloaded — at desktop and phone widths, axe on each page.
 */
describe('web admin pages', () => {
  const web = new WebStack();
  let browser: Browser;
  const P = () => web.stack.url('proposals');
  const V = () => web.stack.url('voting');
  const admin = () => ({ token: web.token('admin') });

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web.destroy();
  });

  async function submitProposal(roundId: string, author: string, unitId: string, title: string, estimatedCost: number): Promise<string> {
    const res = await http('POST', `${P()}/rounds/${roundId}/proposals`, { unitId, title, description: `${title}: a resident's idea.`, estimatedCost }, { token: web.token('resident', author) });
    expect(res.status).toBe(201);
    return res.body.proposalId;
  }

  const status = (page: Page) => ({ getByText: (text: string | RegExp) => statusMessage(page, text) });
  /** Console errors other than the browser's note on the 4xx answers these tests provoke on purpose. */
  const unexpected = (problems: string[]) => problems.filter((p) => !/Failed to load resource: the server responded with a status of (400|403|409)\b/.test(p));


  it('shows a clear "requires role" message with a sign-in link to residents and anonymous visitors', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone', as: { roles: ['resident'], sub: 'resident-1' } });
    await page.goto('/admin/rounds/new');
    await page.getByRole('heading', { level: 1, name: 'This page needs a staff account' }).waitFor();
    await page.getByText('This page is for the administrator role.').waitFor();
    await page.getByText('You are signed in as resident-1 (resident).').waitFor();
    expect(await page.getByRole('link', { name: 'Sign in with another account' }).getAttribute('href')).toBe('/signin?next=%2Fadmin%2Frounds%2Fnew');
    await checkPage(page, 'admin-requires-role');
    await context.close();

    const anonymous = await openPage(browser, web, { viewport: 'desktop' });
    await anonymous.page.goto('/admin');
    await anonymous.page.getByText('This page is for the administrator or staff role.').waitFor();
    expect(await anonymous.page.getByRole('main').getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/signin?next=%2Fadmin');
    expect([...problems, ...anonymous.problems]).toEqual([]);
    await anonymous.context.close();
  });

  it(
    'creates a round through the form, edits it, moves it through its phases, reviews proposals, imports a roll, locks settings and reconciles paper (desktop)',
    async () => {
      const { page, context, problems } = await openPage(browser, web, { viewport: 'desktop', as: { roles: ['admin'], sub: 'dev-admin' } });
      await page.goto('/admin');
      await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
      await page.getByText('There are no rounds yet.').waitFor();
      await checkPage(page, 'admin-home-empty');

      // ---- Create: a bad budget first (the API's 400 at units.0.budget), then a valid round.
      await page.getByRole('link', { name: 'New round' }).click();
      await page.getByRole('heading', { level: 1, name: 'New round' }).waitFor();
      await page.getByRole('group', { name: 'Name and currency' }).getByLabel('Name').fill('Green Budget 2027');
      const unit1 = page.getByRole('group', { name: 'Unit 1' });
      await unit1.getByLabel('Id').fill('centre');
      await unit1.getByLabel('Name').fill('Centre');
      await unit1.getByLabel('Budget (PLN)').fill('99999999999999999');
      await page.getByRole('button', { name: 'Add a unit' }).click();
      const unit2 = page.getByRole('group', { name: 'Unit 2' });
      await unit2.getByLabel('Id').fill('north');
      await unit2.getByLabel('Name').fill('North');
      await unit2.getByLabel('Kind').selectOption('category');
      await unit2.getByLabel('Budget (PLN)').fill('500000');
      await page.getByRole('button', { name: 'Add a unit' }).click();
      await page.getByRole('button', { name: 'Remove unit 3' }).click();
      expect(await page.getByRole('group', { name: 'Unit 3' }).count()).toBe(0);
      await page.getByLabel('Most projects a voter may pick').fill('2');
      await page.getByLabel('Voting closes', { exact: true }).fill('2099-06-01T12:00');
      await page.getByText('Saved as 2099-06-01T').waitFor();
      await page.getByRole('button', { name: 'Create round' }).click();

      const budgetError = page.locator('#f-units-0-budget-error');
      await budgetError.waitFor();
      // 99,999,999,999,999,999.00 PLN is beyond any integer JSON carries exactly: refused before the round's own rules.
      expect(await budgetError.textContent()).toContain('budget must be a number between -(2^53 - 1) and 2^53 - 1');
      expect(await unit1.getByLabel('Budget (PLN)').getAttribute('aria-invalid')).toBe('true');
      expect(await unit1.getByLabel('Budget (PLN)').getAttribute('aria-describedby')).toContain('f-units-0-budget-error');
      await page.getByRole('alert').getByRole('link', { name: 'Unit 1: Budget (PLN)' }).waitFor();
      expect((await http('GET', `${P()}/rounds`, undefined, admin())).body.total).toBe(0);
      await checkPage(page, 'admin-round-form-error');

      // A ranked ballot shows its own fields only; back to approval.
      await page.getByLabel('Ballot type').selectOption('ranked');
      await page.getByLabel('Points per place').waitFor();
      await page.getByLabel('Ballot type').selectOption('cumulative');
      await page.getByLabel('Points each voter distributes').waitFor();
      expect(await page.getByLabel('Points per place').count()).toBe(0);
      await page.getByLabel('Ballot type').selectOption('approval');
      await page.getByLabel('Rule').selectOption('greedy-threshold');
      await page.getByLabel('Minimum support (votes or points)').waitFor();
      await page.getByLabel('Rule').selectOption('greedy');

      await unit1.getByLabel('Budget (PLN)').fill('1500000');
      await unit1.getByText('That is').waitFor();
      await page.getByRole('button', { name: 'Create round' }).click();
      await page.getByRole('heading', { level: 1, name: 'Green Budget 2027' }).waitFor();
      await status(page).getByText('The round was created as a draft.').waitFor();
      const roundId = page.url().split('/').pop()!;
      const created = await http('GET', `${P()}/rounds/${roundId}`, undefined, admin());
      expect(created.body.config).toMatchObject({
        name: 'Green Budget 2027',
        currency: 'PLN',
        units: [
          { id: 'centre', name: 'Centre', kind: 'district', budget: 150_000_000 },
          { id: 'north', name: 'North', kind: 'category', budget: 50_000_000 },
        ],
        schedule: { votingClosesAt: new Date('2099-06-01T12:00').toISOString().replace('.000Z', 'Z') },
        ballot: { type: 'approval', minPicks: 1, maxPicks: 2 },
        outcome: { rule: 'greedy' },
        eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
      });
      await checkPage(page, 'admin-round-draft');

      // ---- Edit in draft (PATCH with If-Match): the name and a budget.
      const roundNav = page.getByRole('navigation', { name: 'Round administration' });
      await roundNav.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { level: 1, name: 'Settings: Green Budget 2027' }).waitFor();
      await page.getByRole('group', { name: 'Name and currency' }).getByLabel('Name').fill('Green Budget 2027 — parks');
      await page.getByRole('group', { name: 'Unit 2' }).getByLabel('Budget (PLN)').fill('600000.50');
      await checkPage(page, 'admin-round-form-draft');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('heading', { level: 1, name: 'Green Budget 2027 — parks' }).waitFor();
      await status(page).getByText('Saved: name, budget units and budgets.').waitFor();
      const edited = await http('GET', `${P()}/rounds/${roundId}`, undefined, admin());
      expect(edited.body.config.units[1].budget).toBe(60_000_050);
      expect(edited.body.version).toBe(2);

      // ---- Phases: open submission; residents propose (API); start review.
      await movePhase(page, 'Open submission', 'Proposals open');
      const trees = await submitProposal(roundId, 'resident-1', 'centre', 'Trees on Market Street', 5_000_000);
      const racks = await submitProposal(roundId, 'resident-2', 'centre', 'Bike racks at the station', 800_000);
      const playground = await submitProposal(roundId, 'resident-3', 'north', 'Playground in the park', 20_000_000);
      const duplicate = await submitProposal(roundId, 'resident-4', 'north', 'A playground for the park', 18_000_000);
      await page.getByRole('button', { name: 'Start review' }).click();
      await page.getByText('Residents can no longer submit or edit proposals').waitFor();
      await checkPage(page, 'admin-round-confirm');
      await page.getByRole('button', { name: 'Yes, Start review' }).click();
      await status(page).getByText('The round is now in phase “Under review”.').waitFor();
      await page.getByRole('list').getByText('Phase changed from “Proposals open” to “Under review” by dev-admin').waitFor();

      // ---- Review queue as staff: notes + estimate, accept, reject (empty reason refused inline first), merge.
      const staff = await openPage(browser, web, { viewport: 'desktop', as: { roles: ['staff'], sub: 'clerk-1' } });
      const sp = staff.page;
      await sp.goto(`/admin/rounds/${roundId}/review`);
      await sp.getByRole('heading', { level: 1, name: 'Review queue: Green Budget 2027 — parks' }).waitFor();
      await sp.getByText('4 proposals (showing 4)').waitFor();
      await checkPage(sp, 'admin-review');

      const treesCard = sp.getByRole('article', { name: 'Trees on Market Street' });
      await treesCard.locator('summary', { hasText: 'Review and decide' }).click();
      await treesCard.getByLabel('Feasibility notes').fill('Feasible; the roads department agrees.');
      await treesCard.getByLabel('Cost estimate (PLN)').fill('48000');
      await treesCard.getByRole('button', { name: 'Save review' }).click();
      await status(sp).getByText('Review saved for “Trees on Market Street”.').waitFor();
      await treesCard.getByText('1 review').waitFor();
      const accept = treesCard.getByRole('form', { name: 'Accept', exact: true });
      await expectEventually(async () => expect(await accept.getByLabel('Cost the tally uses (PLN)').inputValue()).toBe('48000'));
      await accept.getByLabel('Public reason').fill('Feasible, cost checked.');
      await checkPage(sp, 'admin-review-panel');
      await accept.getByRole('button', { name: 'Accept proposal' }).click();
      await status(sp).getByText('“Trees on Market Street” accepted.').waitFor();

      const racksCard = sp.getByRole('article', { name: 'Bike racks at the station' });
      await racksCard.locator('summary', { hasText: 'Review and decide' }).click();
      const reject = racksCard.getByRole('form', { name: 'Reject', exact: true });
      await reject.getByRole('button', { name: 'Reject proposal' }).click();
      await reject.locator('.field-error').getByText('reason must be longer than or equal to 1 characters').waitFor();
      expect(await reject.getByLabel('Public reason').getAttribute('aria-invalid')).toBe('true');
      await reject.getByLabel('Public reason').fill('The station belongs to the railway, not the city.');
      await reject.getByRole('button', { name: 'Reject proposal' }).click();
      await status(sp).getByText('“Bike racks at the station” rejected.').waitFor();

      const playgroundCard = sp.getByRole('article', { name: 'Playground in the park' });
      await playgroundCard.locator('summary', { hasText: 'Review and decide' }).click();
      // The cost typed first survives the refresh the merge brings (a new version of the proposal): it once
      // reset to the estimate, and the proposal was accepted at a cost nobody typed.
      const acceptPlayground = playgroundCard.getByRole('form', { name: 'Accept', exact: true });
      await acceptPlayground.getByLabel('Cost the tally uses (PLN)').fill('210000');
      await playgroundCard.getByRole('checkbox', { name: 'A playground for the park' }).check();
      await playgroundCard.getByRole('button', { name: 'Merge 1 proposal into this one' }).click();
      await status(sp).getByText('1 proposal merged into “Playground in the park”.').waitFor();
      await playgroundCard.getByText('1 duplicate', { exact: true }).waitFor();
      expect(await acceptPlayground.getByLabel('Cost the tally uses (PLN)').inputValue()).toBe('210000');
      await acceptPlayground.getByRole('button', { name: 'Accept proposal' }).click();
      await status(sp).getByText('“Playground in the park” accepted.').waitFor();
      await sp.getByText('No proposals match.').waitFor();

      await sp.getByLabel('Status').selectOption('');
      await sp.getByText('4 proposals (showing 4)').waitFor();
      await sp.getByRole('article', { name: 'A playground for the park' }).getByText('Merged', { exact: true }).waitFor();
      await sp.getByRole('article', { name: 'Bike racks at the station' }).getByText('The station belongs to the railway, not the city.').waitFor();
      await checkPage(sp, 'admin-review-all');
      const statuses = async (id: string) => (await http('GET', `${P()}/rounds/${roundId}/proposals/${id}`)).body;
      expect(await statuses(trees)).toMatchObject({ status: 'accepted', cost: 4_800_000, decisionReason: 'Feasible, cost checked.' });
      expect(await statuses(racks)).toMatchObject({ status: 'rejected' });
      expect(await statuses(playground)).toMatchObject({ status: 'accepted', cost: 21_000_000, mergedFrom: [duplicate] });
      expect(await statuses(duplicate)).toMatchObject({ status: 'merged', mergedInto: playground });

      // ---- Voter roll: a file with a bad line is refused with the line named; then a good one.
      await votingKnows(web.stack, roundId);
      await roundNav.getByRole('link', { name: 'Voters' }).click();
      await page.getByRole('heading', { level: 1, name: 'Voters: Green Budget 2027 — parks' }).waitFor();
      await page.getByText('Eligibility: Voter roll.').waitFor();
      const fileInput = page.getByLabel('Roll file (CSV)');
      await fileInput.setInputFiles({ name: 'roll-bad.csv', mimeType: 'text/csv', buffer: Buffer.from('resident_id,unit_id\nresident-1,centre\nresident-2,nowhere\n') });
      await page.getByText('2 residents in the file.').waitFor();
      await page.getByRole('button', { name: 'Import 2 residents' }).click();
      const problemsTable = page.getByRole('table', { name: 'Problems by line' });
      await problemsTable.waitFor();
      expect(await problemsTable.getByRole('row').nth(1).getByRole('cell').first().textContent()).toBe('3');
      await checkPage(page, 'admin-voters-problems');
      const roll = ['resident_id,unit_id,birth_year', 'resident-1,centre,1980', 'resident-2,centre,1992', 'resident-3,north,1975', 'resident-4,north,2001', 'resident-5,centre,1960', 'resident-6,centre,1999'].join('\n');
      await fileInput.setInputFiles({ name: 'roll.csv', mimeType: 'text/csv', buffer: Buffer.from(roll) });
      await page.getByText('6 residents in the file.').waitFor();
      await page.getByText('… and 1 more row.').waitFor();
      await page.getByRole('region', { name: 'First 5 rows of the file' }).getByRole('cell', { name: 'resident-5' }).waitFor();
      await page.getByRole('button', { name: 'Import 6 residents' }).click();
      await status(page).getByText('The roll was imported.').waitFor();
      await status(page).getByText('Newly registered or moved').waitFor();
      await page.getByRole('table', { name: 'Registered voters' }).getByRole('row', { name: /Total\s+6/ }).waitFor();
      await checkPage(page, 'admin-voters');

      // ---- Open voting: ballot, outcome and eligibility locked, with the reason, disabled in the form.
      await roundNav.getByRole('link', { name: 'Overview' }).click();
      await page.getByRole('button', { name: 'Open voting' }).click();
      await page.getByText('This locks:').waitFor();
      await page.getByText('ballot rules, outcome rule, eligibility and paper policy.').waitFor();
      await page.getByRole('button', { name: 'Yes, Open voting' }).click();
      await status(page).getByText('The round is now in phase “Voting open”.').waitFor();
      await page.getByRole('listitem').filter({ hasText: 'ballot rules' }).getByText('Locked', { exact: true }).waitFor();
      await checkPage(page, 'admin-round-voting');
      await roundNav.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { level: 1, name: 'Settings: Green Budget 2027 — parks' }).waitFor();
      expect(await page.getByLabel('Ballot type').isDisabled()).toBe(true);
      expect(await page.getByLabel('Rule').isDisabled()).toBe(true);
      expect(await page.getByRole('radio', { name: 'Voting codes' }).isDisabled()).toBe(true);
      expect(await page.getByRole('group', { name: 'Unit 1' }).getByLabel('Budget (PLN)').isDisabled()).toBe(true);
      await page.getByText('locked once voting opened: ballots already cast were validated against these rules.').waitFor();
      await page.getByText('units and their budgets can be edited only while the round is a draft').waitFor();
      expect(await page.getByRole('group', { name: 'Name and currency' }).getByLabel('Name').isDisabled()).toBe(false);
      expect(await page.getByLabel('Voting opens', { exact: true }).isDisabled()).toBe(true);
      expect(await page.getByLabel('Voting closes', { exact: true }).isDisabled()).toBe(false);
      await checkPage(page, 'admin-round-form-locked');
      // The form sends only what changed: a new name is accepted while the locked settings stay as they are.
      await page.getByRole('group', { name: 'Name and currency' }).getByLabel('Name').fill('Green Budget 2027');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await status(page).getByText('Saved: name.').waitFor();

      // ---- Paper as staff: a batch of 3 counted sheets: one entered, one refused and set aside, one missing at the
      // close: it does not reconcile. Then a batch of 1 spoiled sheet set aside: it reconciles.
      await votingKnows(web.stack, roundId, 'voting');
      await sp.goto(`/admin/rounds/${roundId}/paper`);
      await sp.getByRole('heading', { level: 1, name: 'Paper ballots: Green Budget 2027' }).waitFor();
      await sp.getByText('No batches yet.').waitFor();
      await sp.getByLabel('Unit').selectOption('centre');
      await sp.getByLabel('Sheets counted').fill('3');
      await sp.getByRole('button', { name: 'Open batch' }).click();
      await status(sp).getByText('Batch opened for Centre with 3 sheets counted.').waitFor();
      await sp.getByRole('heading', { name: 'Enter sheets: Centre' }).waitFor();
      await sp.getByLabel('Resident id on the sheet').fill('resident-1');
      await sp.getByRole('checkbox', { name: 'Trees on Market Street' }).check();
      await checkPage(sp, 'admin-paper-entry');
      await sp.getByRole('button', { name: 'Enter sheet' }).click();
      await status(sp).getByText('Sheet entered for resident-1').waitFor();
      await sp.getByLabel('Resident id on the sheet').fill('resident-99');
      await sp.getByRole('checkbox', { name: 'Trees on Market Street' }).check();
      await sp.getByRole('button', { name: 'Enter sheet' }).click();
      const refused = sp.getByRole('alert');
      await refused.getByText(/^Sheet refused: /).waitFor();
      await checkPage(sp, 'admin-paper-refused');
      await refused.getByRole('button', { name: 'Set this sheet aside as refused (not eligible)' }).click();
      await status(sp).getByText('Sheet set aside as refused (not eligible): 1 refused in this batch.').waitFor();
      await sp.getByText('1 entered and 1 refused of 3 sheets counted').waitFor();
      expect(await sp.getByLabel('Resident id on the sheet').inputValue()).toBe('');
      await sp.getByRole('button', { name: 'Close batch 1' }).click();
      await sp.getByText('1 entered and 1 refused of 3 sheets counted. No more sheets can be entered once it is closed.').waitFor();
      await sp.getByRole('button', { name: 'Yes, close batch 1' }).click();
      await status(sp).getByText('Batch closed: 1 sheets entered and 1 refused but 3 counted. It does not reconcile.').waitFor();
      const report = sp.getByRole('table', { name: 'Reconciliation report' });
      const row = report.getByRole('row', { name: /Batch 1: Centre/ });
      await row.getByText('Does not reconcile').waitFor();
      expect(await row.getByRole('cell').allTextContents()).toEqual(['Does not reconcile', '3', '1', '1', '-1', '']);

      await sp.getByLabel('Unit').selectOption('centre');
      await sp.getByLabel('Sheets counted').fill('1');
      await sp.getByRole('button', { name: 'Open batch' }).click();
      await status(sp).getByText('Batch opened for Centre with 1 sheets counted.').waitFor();
      await sp.getByRole('button', { name: 'Set aside a spoiled sheet' }).click();
      await sp.getByRole('group', { name: 'Set aside a spoiled sheet' }).getByRole('button', { name: 'Yes, set it aside' }).click();
      await status(sp).getByText('Sheet set aside as refused (spoiled): 1 refused in this batch.').waitFor();
      await sp.getByRole('button', { name: 'Close batch 2' }).click();
      await sp.getByRole('button', { name: 'Yes, close batch 2' }).click();
      await status(sp).getByText('Batch closed: all 1 sheets entered or refused, it reconciles.').waitFor();
      // The report reloads after the close's message: wait for the row's new state before reading it.
      const row2 = report.getByRole('row', { name: /Batch 2: Centre/ });
      await row2.getByText('Reconciled', { exact: true }).waitFor();
      expect(await row2.getByRole('cell').allTextContents()).toEqual(['Reconciled', '1', '0', '1', '0', '']);
      expect(await report.locator('tfoot').getByRole('cell').allTextContents()).toEqual(['4', '1', '2', '-1', '']);
      await checkPage(sp, 'admin-paper');
      const batches = await http('GET', `${V()}/rounds/${roundId}/paper-batches`, undefined, admin());
      expect(batches.body.batches).toMatchObject([
        { unitId: 'centre', sheetsCounted: 3, entered: 1, refused: 1, discrepancy: -1, reconciled: false, status: 'closed' },
        { unitId: 'centre', sheetsCounted: 1, entered: 0, refused: 1, discrepancy: 0, reconciled: true, status: 'closed' },
      ]);

      // ---- The rounds list shows the round in its phase.
      await page.goto('/admin');
      await page.getByRole('row', { name: /Green Budget 2027/ }).getByText('Voting open').waitFor();
      await checkPage(page, 'admin-home');
      expect(unexpected([...problems, ...staff.problems])).toEqual([]);
      await staff.context.close();
      await context.close();
    },
    600_000,
  );

  it(
    'sets a description and the tie-breaking order with a lottery seed in the round form; the seed is refused when missing, shown on the overview and in the settings, and locked with the outcome rule',
    async () => {
      const { page, context, problems } = await openPage(browser, web, { viewport: 'desktop', as: { roles: ['admin'], sub: 'dev-admin' } });
      await page.goto('/admin/rounds/new');
      await page.getByRole('heading', { level: 1, name: 'New round' }).waitFor();
      const basics = page.getByRole('group', { name: 'Name and currency' });
      await basics.getByLabel('Name').fill('Tie-break Budget 2027');
      await basics.getByLabel('Description').fill('Imported from Pabulib.\nTies go to the lottery drawn at the council.');
      const unit1 = page.getByRole('group', { name: 'Unit 1' });
      await unit1.getByLabel('Id').fill('centre');
      await unit1.getByLabel('Name').fill('Centre');
      await unit1.getByLabel('Budget (PLN)').fill('100000');

      // No criteria yet: the default order is named. Add the lottery, then more support, and move it first.
      const ties = page.getByRole('group', { name: 'How ties are broken' });
      await ties.getByText('The default order: More support, Lower cost, Ballot order.').waitFor();
      await ties.getByLabel('Criterion').selectOption({ label: 'Public lottery' });
      await ties.getByRole('button', { name: 'Add to the order' }).click();
      await ties.getByLabel('Criterion').selectOption({ label: 'More support' });
      await ties.getByRole('button', { name: 'Add to the order' }).click();
      const order = ties.getByRole('list', { name: 'Tie-breaking criteria, first applied first' });
      expect(await order.locator('li strong').allTextContents()).toEqual(['Public lottery', 'More support']);
      await ties.getByRole('button', { name: 'Move More support up' }).click();
      expect(await order.locator('li strong').allTextContents()).toEqual(['More support', 'Public lottery']);
      expect(await ties.getByRole('button', { name: 'Move More support up' }).isDisabled()).toBe(true);
      // The criteria already listed are no longer offered; lower and higher cost are both still offered (the API
      // refuses the pair).
      expect(await ties.getByLabel('Criterion').locator('option').allTextContents()).toEqual(['Lower cost', 'Higher cost', 'Ballot order', 'Project id']);

      // The lottery without its seed: the API's field error comes back at the seed.
      await ties.getByLabel('Lottery seed').waitFor();
      await page.getByRole('button', { name: 'Create round' }).click();
      await page.locator('#f-outcome-lotterySeed-error').getByText('the lottery needs its seed, fixed now so it is public before voting opens').waitFor();
      expect(await ties.getByLabel('Lottery seed').getAttribute('aria-invalid')).toBe('true');
      await page.getByRole('alert').getByRole('link', { name: 'Lottery seed' }).waitFor();
      await checkPage(page, 'admin-round-form-tie-break-error');
      // A drawn seed is 32 hex digits; the council's own seed is typed over it.
      await ties.getByRole('button', { name: 'Draw a random seed' }).click();
      expect(await ties.getByLabel('Lottery seed').inputValue()).toMatch(/^[0-9a-f]{32}$/);
      await ties.getByLabel('Lottery seed').fill('council 2027-01-15');
      await page.getByRole('button', { name: 'Create round' }).click();
      await page.getByRole('heading', { level: 1, name: 'Tie-break Budget 2027' }).waitFor();
      const roundId = page.url().split('/').pop()!;
      const created = (await http('GET', `${P()}/rounds/${roundId}`, undefined, admin())).body;
      expect(created.config.description).toBe('Imported from Pabulib.\nTies go to the lottery drawn at the council.');
      expect(created.config.outcome).toEqual({ rule: 'greedy', tieBreak: ['more-support', 'lottery'], lotterySeed: 'council 2027-01-15' });
      // The overview says it in words; the description can be changed until voting closes.
      await page.getByText('ties broken by More support, Public lottery; lottery seed “council 2027-01-15”').waitFor();
      await page.getByRole('listitem').filter({ hasText: 'description' }).getByText('Editable', { exact: true }).waitFor();
      await checkPage(page, 'admin-round-tie-break');
      // The round's page shows the description, line breaks kept.
      await page.goto(`/rounds/${roundId}`);
      expect(await page.locator('.round-description').innerText()).toBe('Imported from Pabulib.\nTies go to the lottery drawn at the council.');
      await page.goto(`/admin/rounds/${roundId}`);

      // Settings: the saved order is back in the form; removing the lottery removes its seed too.
      await page.getByRole('navigation', { name: 'Round administration' }).getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { level: 1, name: 'Settings: Tie-break Budget 2027' }).waitFor();
      expect(await page.getByRole('group', { name: 'Name and currency' }).getByLabel('Description').inputValue()).toBe('Imported from Pabulib.\nTies go to the lottery drawn at the council.');
      const editTies = page.getByRole('group', { name: 'How ties are broken' });
      expect(await editTies.getByRole('list', { name: 'Tie-breaking criteria, first applied first' }).locator('li strong').allTextContents()).toEqual(['More support', 'Public lottery']);
      expect(await editTies.getByLabel('Lottery seed').inputValue()).toBe('council 2027-01-15');
      await editTies.getByRole('button', { name: 'Remove Public lottery' }).click();
      expect(await editTies.getByLabel('Lottery seed').count()).toBe(0);
      await editTies.getByLabel('Criterion').selectOption({ label: 'Higher cost' });
      await editTies.getByRole('button', { name: 'Add to the order' }).click();
      await page.getByRole('group', { name: 'Name and currency' }).getByLabel('Description').fill('');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await status(page).getByText('Saved: description, outcome rule.').waitFor();
      const edited = (await http('GET', `${P()}/rounds/${roundId}`, undefined, admin())).body;
      expect(edited.config.outcome).toEqual({ rule: 'greedy', tieBreak: ['more-support', 'higher-cost'] });
      expect(edited.config.description).toBe('');

      // Once voting opens the order is locked with the rest of the outcome rule.
      expect((await http('POST', `${P()}/rounds/${roundId}/phase`, { to: 'voting' }, admin())).status).toBe(200);
      await page.goto(`/admin/rounds/${roundId}/edit`);
      await page.getByRole('heading', { level: 1, name: 'Settings: Tie-break Budget 2027' }).waitFor();
      const locked = page.getByRole('group', { name: 'How ties are broken' });
      expect(await locked.getByRole('button', { name: 'Remove Higher cost' }).isDisabled()).toBe(true);
      expect(await locked.getByLabel('Criterion').isDisabled()).toBe(true);
      expect(await page.getByRole('group', { name: 'Name and currency' }).getByLabel('Description').isDisabled()).toBe(false);
      expect(unexpected(problems)).toEqual([]);
      await context.close();
    },
    300_000,
  );

  it(
    'at phone width: a codes-mode round (codes download with one line per code), the overview, settings, review queue and paper pages',
    async () => {
      const config: RoundConfig = {
        name: 'Youth Budget',
        currency: 'EUR',
        units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 20_000_000 }],
        schedule: {},
        ballot: { type: 'cumulative', totalPoints: 10, maxPointsPerProject: 5 },
        outcome: { rule: 'equalshares/add1' },
        eligibility: { mode: 'codes', paperPolicy: 'paper-overrides-online' },
      };
      const created = await http('POST', `${P()}/rounds`, config, admin());
      expect(created.status).toBe(201);
      const roundId: string = created.body.roundId;
      expect((await http('POST', `${P()}/rounds/${roundId}/phase`, { to: 'submission' }, admin())).status).toBe(200);
      await submitProposal(roundId, 'resident-7', 'centre', 'Skate park ramps', 4_000_000);
      await submitProposal(roundId, 'resident-8', 'centre', 'Study room in the library', 2_500_000);
      await votingKnows(web.stack, roundId);

      const { page, context, problems } = await openPage(browser, web, { viewport: 'phone', as: { roles: ['admin', 'staff'], sub: 'dev-admin' } });
      await page.goto('/admin');
      await page.getByRole('row', { name: /Youth Budget/ }).getByText('Proposals open').waitFor();
      await checkPage(page, 'admin-home');

      await page.goto(`/admin/rounds/${roundId}/voters`);
      await page.getByText('Eligibility: Voting codes.').waitFor();
      expect(await page.getByLabel('Roll file (CSV)').count()).toBe(0);
      await page.getByLabel('Unit').selectOption('centre');
      await page.getByLabel('Number of codes').fill('5');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Generate and download codes' }).click()]);
      expect(download.suggestedFilename()).toMatch(/^voting-codes-centre-.*\.csv$/);
      const lines = readFileSync((await download.path())!, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(6);
      expect(lines[0]).toBe('code,round_id,unit_id');
      for (const line of lines.slice(1)) expect(line).toMatch(new RegExp(`^[0-9A-Z]{5}-[0-9A-Z]{5},${roundId},centre$`));
      await status(page).getByText('5 codes generated for Centre.').waitFor();
      await page.getByRole('table', { name: 'Registered voters' }).getByRole('row', { name: /Total\s+5\s+0/ }).waitFor();
      await checkPage(page, 'admin-voters-codes');

      await page.goto(`/admin/rounds/${roundId}`);
      await page.getByRole('heading', { level: 1, name: 'Youth Budget' }).waitFor();
      await page.getByRole('definition').filter({ hasText: 'Voting codes' }).waitFor();
      await checkPage(page, 'admin-round-draft');

      await page.goto(`/admin/rounds/${roundId}/edit`);
      await page.getByRole('heading', { level: 1, name: 'Settings: Youth Budget' }).waitFor();
      expect(await page.getByLabel('Points each voter distributes').inputValue()).toBe('10');
      expect(await page.getByLabel('Most points for one project').inputValue()).toBe('5');
      expect(await page.getByLabel('Minimum age').count()).toBe(0);
      expect(await page.getByLabel('Currency').isDisabled()).toBe(true);
      // A cross-field rule of the API (409 invalid-config) comes back at its field.
      await page.getByLabel('Most points for one project').fill('50');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('#f-ballot-maxPointsPerProject-error').getByText('maxPointsPerProject (50) cannot exceed totalPoints (10)').waitFor();
      await checkPage(page, 'admin-round-form-locked');

      await page.goto(`/admin/rounds/${roundId}/review`);
      await page.getByText('2 proposals (showing 2)').waitFor();
      const card = page.getByRole('article', { name: 'Skate park ramps' });
      await card.locator('summary', { hasText: 'Review and decide' }).click();
      const accept = card.getByRole('form', { name: 'Accept', exact: true });
      await accept.getByLabel('Cost the tally uses (EUR)').fill('350000000');
      await accept.getByRole('button', { name: 'Accept proposal' }).click();
      await accept.locator('.field-error').getByText(/exceeds the whole budget of unit centre/).waitFor();
      expect(await accept.getByLabel('Cost the tally uses (EUR)').getAttribute('aria-invalid')).toBe('true');
      await accept.getByLabel('Cost the tally uses (EUR)').fill('39999.99');
      await accept.getByRole('button', { name: 'Accept proposal' }).click();
      await status(page).getByText('“Skate park ramps” accepted.').waitFor();
      await checkPage(page, 'admin-review');
      expect((await http('GET', `${P()}/rounds/${roundId}/proposals?status=accepted`)).body.items[0]).toMatchObject({ title: 'Skate park ramps', cost: 3_999_999 });

      await page.goto(`/admin/rounds/${roundId}/paper`);
      await page.getByText('batches can be opened and sheets entered only while voting is open').waitFor();
      await page.getByText('No batches yet.').waitFor();
      await checkPage(page, 'admin-paper');
      // In Polish.
      await page.getByRole('combobox', { name: 'Language' }).selectOption('pl');
      await page.getByRole('heading', { level: 1, name: 'Karty papierowe: Youth Budget' }).waitFor();
      await page.getByText('Nie ma jeszcze partii.').waitFor();
      await page.goto(`/admin/rounds/${roundId}/review`);
      await page.getByLabel('Status').selectOption('');
      await page.getByText('2 projekty (pokazano 2)').waitFor();
      await checkPage(page, 'admin-review-pl');
      expect(unexpected(problems)).toEqual([]);
      await context.close();
    },
    300_000,
  );
});
