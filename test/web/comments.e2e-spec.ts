import type { Browser, Page } from 'playwright-core';
import { http } from '../support/stack';
import { checkPage, launchBrowser, openPage, statusMessage, WebStack } from '../support/web';

/**
 * Issue #18, the conversation in Chromium: two residents comment and answer on a proposal page (phone), one
 * reports a comment, staff hide it with a public reason from the moderation queue, and everyone then sees
 * "hidden by moderation: <reason>" in its place (English and Polish); every page axe-clean and fitting its window.
 */
describe('comments and moderation in the browser', () => {
  const web = new WebStack();
  let browser: Browser;
  let P: string;
  let roundId: string;
  let proposalId: string;
  const rude = 'Only an idiot would want this.';

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();
    P = web.stack.url('proposals');
    const admin = { token: web.token('admin') };
    const created = await http(
      'POST',
      `${P}/rounds`,
      {
        name: 'Green Budget 2027',
        currency: 'PLN',
        units: [{ id: 'old-town', name: 'Old Town', kind: 'district', budget: 500_000_00 }],
        schedule: {},
        ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
        outcome: { rule: 'greedy' },
        eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
      },
      admin,
    );
    roundId = created.body.roundId;
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, admin)).status).toBe(200);
    const proposal = await http(
      'POST',
      `${P}/rounds/${roundId}/proposals`,
      { unitId: 'old-town', title: 'Trees along the river', description: 'Forty trees.', estimatedCost: 120_000_00 },
      { token: web.token('resident', 'resident-1') },
    );
    proposalId = proposal.body.proposalId;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await web.destroy();
  });

  const proposalPage = async (page: Page) => {
    await page.goto(`/rounds/${roundId}/proposals/${proposalId}`);
    await page.getByRole('heading', { level: 1, name: 'Trees along the river' }).waitFor();
  };
  const comments = (page: Page) => page.getByRole('region', { name: /^Comments|^Komentarze/ });
  const comment = (page: Page, text: string) => comments(page).getByRole('article').filter({ hasText: text }).last();

  it('two residents comment and answer; one reports; staff hide it with a public reason', async () => {
    const two = await openPage(browser, web, { viewport: 'phone', as: { roles: 'resident', sub: 'resident-2' } });
    await proposalPage(two.page);
    await checkPage(two.page, 'comments-empty');
    await two.page.getByRole('button', { name: 'Post comment' }).click();
    await two.page.getByText('Write something first.').waitFor();
    await two.page.getByLabel('Your comment').fill('Will the trees get water in summer?');
    await two.page.getByRole('button', { name: 'Post comment' }).click();
    await statusMessage(two.page, 'Your comment was posted.').waitFor();
    await comment(two.page, 'Will the trees get water in summer?').getByText('You', { exact: true }).waitFor();

    const one = await openPage(browser, web, { viewport: 'phone', as: { roles: 'resident', sub: 'resident-1' } });
    await proposalPage(one.page);
    const question = comment(one.page, 'Will the trees get water in summer?');
    await question.getByRole('button', { name: 'Reply' }).click();
    await one.page.getByLabel('Your answer').fill('Yes: the district waters them twice a week.');
    await one.page.getByRole('button', { name: 'Send answer' }).click();
    await statusMessage(one.page, 'Your comment was posted.').waitFor();
    const answer = comment(one.page, 'the district waters them');
    await answer.getByText('author of the proposal').waitFor();
    await checkPage(one.page, 'comments-thread');

    await proposalPage(two.page);
    await two.page.getByLabel('Your comment').fill(rude);
    await two.page.getByRole('button', { name: 'Post comment' }).click();
    await statusMessage(two.page, 'Your comment was posted.').waitFor();

    await proposalPage(one.page);
    await comment(one.page, rude).getByRole('button', { name: 'Report' }).click();
    await one.page.getByLabel('Why should staff look at this comment?').fill('insults people who support the proposal');
    await one.page.getByRole('button', { name: 'Send report' }).click();
    await statusMessage(one.page, 'Thank you: staff will look at it.').waitFor();

    const staff = await openPage(browser, web, { viewport: 'desktop', as: { roles: 'staff', sub: 'clerk-7' } });
    await staff.page.goto('/admin');
    await staff.page.getByRole('link', { name: 'Moderation queue' }).click();
    await staff.page.getByRole('heading', { level: 1, name: 'Moderation queue' }).waitFor();
    const report = staff.page.getByRole('article').filter({ hasText: 'insults people who support the proposal' });
    await report.getByText(rude).waitFor();
    await checkPage(staff.page, 'moderation-queue');
    await report.getByRole('button', { name: 'Hide comment' }).click();
    await report.getByText('Give a public reason.').waitFor();
    await report.getByLabel('Public reason for hiding').fill('personal attack');
    await report.getByRole('button', { name: 'Hide comment' }).click();
    await statusMessage(staff.page, 'The comment is hidden.').waitFor();
    await staff.page.getByText('No open reports.').waitFor();

    await proposalPage(two.page);
    await comments(two.page).getByText('hidden by moderation: personal attack').waitFor();
    expect(await comments(two.page).getByText(rude).count()).toBe(0);
    await checkPage(two.page, 'comments-hidden');

    const pl = await openPage(browser, web, { viewport: 'phone', language: 'pl', as: { roles: 'resident', sub: 'resident-1' } });
    await pl.page.goto(`/rounds/${roundId}/proposals/${proposalId}`);
    await comments(pl.page).getByText('ukryte przez moderację: personal attack').waitFor();
    await comments(pl.page).getByText('autor propozycji').first().waitFor();
    await checkPage(pl.page, 'comments-pl');

    for (const { problems, context } of [one, two, staff, pl]) {
      expect(problems).toEqual([]);
      await context.close();
    }
  }, 240_000);
});
