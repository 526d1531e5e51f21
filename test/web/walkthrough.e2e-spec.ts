import type { Browser } from 'playwright-core';
import { openRound, type OpenRound } from '../support/round';
import { checkPage, launchBrowser, openPage, WebStack } from '../support/web';

/**
 * Issue #17, the first-run walkthrough on the home page, in Chromium: shown when the demo round `npm start`
 * seeds ("Demo: …") is open for voting, it says what to try as a resident, an administrator and an auditor with
 * the development sign-in names, links to those pages, passes axe on phone and desktop, and once dismissed stays
 * hidden (also after a reload); the same in Polish. Without a demo round there is no panel.
 */
describe('first-run walkthrough', () => {
  const web = new WebStack();
  let browser: Browser;
  let demo: OpenRound;

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();
    demo = await openRound(web.stack, { name: 'Demo: Wieliczka Green Budget 2023 (real Pabulib ballots)' });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await web.destroy();
  });

  it('tells a newcomer what to try as each role, linking to the pages, and passes axe (phone and desktop)', async () => {
    for (const viewport of ['phone', 'desktop'] as const) {
      const { page, context, problems } = await openPage(browser, web, { viewport });
      await page.goto('/');
      const panel = page.getByRole('region', { name: 'New here? Try the demo round' });
      await panel.waitFor();
      await panel.getByText('“Demo: Wieliczka Green Budget 2023 (real Pabulib ballots)” is a real participatory budget').waitFor();
      for (const role of ['As a resident: resident-1', 'As an administrator: dev-admin', 'As an auditor: dev-auditor']) {
        expect(await panel.getByRole('heading', { level: 3, name: role }).count()).toBe(1);
      }
      const href = (name: string) => panel.getByRole('link', { name, exact: true }).getAttribute('href');
      const id = demo.roundId;
      expect(await href('Proposals')).toBe(`/rounds/${id}/proposals`);
      expect(await href('Vote')).toBe(`/rounds/${id}/vote`);
      expect(await href('My ballot')).toBe(`/rounds/${id}/ballot`);
      expect(await href('Round administration')).toBe(`/admin/rounds/${id}`);
      expect(await href('New round')).toBe('/admin/rounds/new');
      expect(await href('Audit of this round')).toBe(`/rounds/${id}/audit`);
      expect(await href('Check a receipt')).toBe('/receipts');
      expect(await href('Go to the sign-in page')).toBe('/signin?next=%2F');
      await checkPage(page, `walkthrough-${viewport}`);

      // A link leads where it says: the sign-in page offers the names the panel gives.
      await panel.getByRole('link', { name: 'Go to the sign-in page' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      for (const name of ['resident-1 (Resident)', 'dev-admin (Administrator)', 'dev-auditor (Auditor)']) {
        expect(await page.getByRole('button', { name }).count()).toBe(1);
      }
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  it('once dismissed stays hidden, focus on the page heading; in Polish too', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone', language: 'pl' });
    await page.goto('/');
    const panel = page.getByRole('region', { name: 'Pierwszy raz? Wypróbuj edycję demonstracyjną' });
    await panel.waitFor();
    expect(await panel.getByRole('heading', { level: 3, name: 'Jako mieszkaniec: resident-1' }).count()).toBe(1);
    await checkPage(page, 'walkthrough-pl');
    await panel.getByRole('button', { name: 'Ukryj ten przewodnik' }).click();
    await panel.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName)).toBe('H1');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Edycje budżetu obywatelskiego' }).waitFor();
    await page.getByRole('region', { name: 'Głosowanie trwa' }).waitFor();
    expect(await panel.count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows no walkthrough when there is no demo round open for voting', async () => {
    const other = new WebStack();
    await other.start();
    try {
      await openRound(other.stack, { name: 'Green Budget 2027' });
      const { page, context } = await openPage(browser, other, { viewport: 'desktop' });
      await page.goto('/');
      await page.getByRole('region', { name: 'Open for voting now' }).waitFor();
      expect(await page.getByRole('region', { name: 'New here? Try the demo round' }).count()).toBe(0);
      await context.close();
    } finally {
      await other.destroy();
    }
  }, 180_000);
});
