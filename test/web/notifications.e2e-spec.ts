import type { Browser, Page } from 'playwright-core';
import { expectEventually } from '@plaza/testing';
import { http } from '../support/stack';
import { checkPage, launchBrowser, openPage, WebStack } from '../support/web';

jest.setTimeout(180_000);

/**
 * Issue #18 item 4 in Chromium at phone width: a neighbour follows a proposal with the button on its page, staff
 * reject it through the API, and its author sees the bell count it, reads the notification with the public reason
 * on the notifications page, and marks it read; the page in Polish too. axe-clean throughout.
 */
describe('notifications: bell, page and follow buttons', () => {
  const web = new WebStack();
  let browser: Browser;
  let P: string;
  let roundId: string;
  let proposalId: string;
  const as = (role: 'admin' | 'staff' | 'resident', sub?: string) => ({ token: web.token(role, sub) });

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();
    P = web.stack.url('proposals');
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
        eligibility: { mode: 'roll', minAge: 16, paperPolicy: 'refuse-if-voted-online' },
      },
      as('admin'),
    );
    roundId = created.body.roundId;
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, as('admin'))).status).toBe(200);
    const submitted = await http('POST', `${P}/rounds/${roundId}/proposals`, { unitId: 'old-town', title: 'A fountain on the square', description: 'Drinking water', estimatedCost: 90_000_00 }, as('resident', 'ania'));
    expect(submitted.status).toBe(201);
    proposalId = submitted.body.proposalId;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await web.destroy();
  });

  const bell = (page: Page) => page.getByTestId('notification-bell');

  it('a neighbour follows the proposal and the round with the buttons on their pages', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone', as: { roles: 'resident', sub: 'bartek' } });
    await page.goto(`/rounds/${roundId}/proposals/${proposalId}`);
    const follow = page.getByRole('button', { name: 'Follow this proposal' });
    await follow.click();
    const following = page.getByRole('button', { name: 'Following this proposal' });
    await following.waitFor();
    expect(await following.getAttribute('aria-pressed')).toBe('true');
    await checkPage(page, 'notify-follow-proposal-phone');
    await page.goto(`/rounds/${roundId}`);
    await page.getByRole('button', { name: 'Follow this round' }).click();
    await page.getByRole('button', { name: 'Following this round' }).waitFor();
    expect((await http('GET', `${P}/rounds/${roundId}/follow`, undefined, as('resident', 'bartek'))).body).toEqual({ following: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the author sees the bell count the staff decision, reads it with the reason and marks it read', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone', as: { roles: 'resident', sub: 'ania' } });
    await page.goto('/');
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    expect(await bell(page).getAttribute('aria-label')).toBe('Notifications');

    const rejected = await http('POST', `${P}/rounds/${roundId}/proposals/${proposalId}/reject`, { reason: 'The square is a protected monument' }, as('staff', 'clerk-7'));
    expect(rejected.status).toBe(200);
    // The bell counts on every page change: move between pages until the projection has caught up.
    await expectEventually(
      async () => {
        await page.goto(`/rounds/${roundId}`);
        await expectEventually(async () => expect(await bell(page).getAttribute('aria-label')).toBe('Notifications, 1 unread'), { timeoutMs: 2_000 });
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await bell(page).click();
    await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    const item = page.getByRole('listitem').filter({ hasText: 'Your proposal “A fountain on the square” was rejected.' });
    await item.waitFor();
    expect(await item.textContent()).toContain('Reason: The square is a protected monument');
    expect(await item.getByRole('link').getAttribute('href')).toBe(`/rounds/${roundId}/proposals/${proposalId}`);
    await checkPage(page, 'notify-page-phone');

    await item.getByRole('button', { name: 'Mark read', exact: true }).click();
    await expectEventually(async () => expect(await bell(page).getAttribute('aria-label')).toBe('Notifications'));
    await expectEventually(async () => expect(await page.getByRole('button', { name: 'Mark read', exact: true }).count()).toBe(0));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the neighbour who follows it is told too, in Polish', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone', as: { roles: 'resident', sub: 'bartek' }, language: 'pl' });
    await expectEventually(
      async () => {
        await page.goto('/notifications');
        await page.getByRole('heading', { level: 1, name: 'Powiadomienia' }).waitFor();
        await page.getByText('Obserwowany projekt „A fountain on the square” został odrzucony.').waitFor({ timeout: 2_000 });
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(await bell(page).getAttribute('aria-label')).toBe('Powiadomienia, 1 nieprzeczytane');
    await checkPage(page, 'notify-page-phone-pl');
    expect(problems).toEqual([]);
    await context.close();
  });
});
