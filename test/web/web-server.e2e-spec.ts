import type { Browser } from 'playwright-core';
import { openRound } from '../support/round';
import { checkPage, launchBrowser, openPage, WebStack } from '../support/web';

/** apps/web: one origin serving the UI and forwarding to the three APIs, status codes and bodies untouched. */
describe('web server', () => {
  // A low sign-in limit, to show the page's answer when it is reached.
  const web = new WebStack({ voting: { CODE_SIGNIN_PER_MINUTE: '2' } });
  let browser: Browser;

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web.destroy();
  });

  it('forwards each API under /api/<service>/ with its own answers (public read, 401, 400 with field messages)', async () => {
    const list = await fetch(`${web.url}/api/proposals/rounds`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ total: 0, items: [] });

    const anonymous = await fetch(`${web.url}/api/proposals/rounds`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);

    const bad = await fetch(`${web.url}/api/proposals/rounds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${web.token('admin')}` },
      body: JSON.stringify({ name: '', currency: 'PLN', units: [], schedule: {}, ballot: { type: 'approval' }, outcome: { rule: 'greedy' }, eligibility: { mode: 'roll' } }),
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as any;
    expect(body.message).toBe('Validation failed');
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['name']));

    expect((await fetch(`${web.url}/api/voting/health/live`)).status).toBe(200);
    const ledger = await fetch(`${web.url}/api/audit/ledger?from=0&limit=1`);
    expect(ledger.status).toBe(200);
    expect(await ledger.json()).toHaveProperty('size');
  });

  it('serves index.html for every page address, 404 for a missing asset, and is ready when the services are', async () => {
    for (const path of ['/', '/rounds/0195c3a4-0000-7000-8000-000000000000/vote', '/admin', '/nowhere']) {
      const res = await fetch(`${web.url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toContain('<div id="root"></div>');
    }
    expect((await fetch(`${web.url}/assets/missing-file.js`)).status).toBe(404);
    const ready = await fetch(`${web.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).details).toMatchObject({ ui: { status: 'up' }, proposals: { status: 'up' }, voting: { status: 'up' }, audit: { status: 'up' } });
  });

  it('sends security headers on pages, assets and API answers: a strict Content-Security-Policy, nosniff, never framed', async () => {
    const index = await fetch(`${web.url}/rounds`, { headers: { accept: 'text/html' } });
    const csp = index.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
      'connect-src': "'self'",
    });
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(index.headers.get('x-powered-by')).toBeNull();
    const api = await fetch(`${web.url}/api/proposals/rounds`);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('runs under that policy in Chromium: the app works, and an injected inline script is refused', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'desktop' });
    await page.goto('/');
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    const outcome = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; violated: string }>((resolve) => {
          const w = globalThis as any;
          w.document.addEventListener('securitypolicyviolation', (e: any) => resolve({ ran: w.__injected === true, violated: e.violatedDirective }), { once: true });
          const s = w.document.createElement('script');
          s.textContent = 'window.__injected = true';
          w.document.body.appendChild(s);
          setTimeout(() => resolve({ ran: w.__injected === true, violated: '' }), 2000);
        }),
    );
    expect(outcome).toEqual({ ran: false, violated: expect.stringMatching(/^script-src/) });
    // The only console error is the browser reporting that refusal.
    expect(problems.filter((p) => !/Content Security Policy/.test(p))).toEqual([]);
    await context.close();
  });

  it('limits voting-code sign-ins per browser address behind the proxy, and the sign-in page says what to do', async () => {
    const round = await openRound(web.stack, { eligibility: { mode: 'codes', paperPolicy: 'refuse-if-voted-online' } });
    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone' });
    await page.goto(`/signin?next=${encodeURIComponent(`/rounds/${round.roundId}/vote`)}`);
    await page.getByRole('combobox', { name: 'Round' }).selectOption(round.roundId);
    for (const guess of ['AAAAA-AAAAA', 'BBBBB-BBBBB']) {
      await page.getByLabel('Voting code', { exact: true }).fill(guess);
      await page.getByRole('button', { name: 'Sign in with my code' }).click();
      await page.getByText('This voting code is not valid for the round you chose').waitFor();
    }
    await page.getByLabel('Voting code', { exact: true }).fill('CCCCC-CCCCC');
    await page.getByRole('button', { name: 'Sign in with my code' }).click();
    await page.getByRole('alert').getByText('Too many sign-in attempts from your connection. Wait a minute, check the code, and try again.').waitFor();
    await page.getByText(/The service said: too many sign-in attempts from this address \(2 a minute\)/).waitFor();
    await checkPage(page, 'signin-code-throttled');
    expect(problems.filter((p) => !/status of (403|429)\b/.test(p))).toEqual([]);
    await context.close();
  });

  it('forwards only the address it saw: a browser-supplied X-Forwarded-For cannot dodge the sign-in limit', async () => {
    const round = await openRound(web.stack, { eligibility: { mode: 'codes', paperPolicy: 'refuse-if-voted-online' } });
    // Three guesses, each claiming another address: web (TRUST_PROXY false) forwards its own view of the client, so
    // voting counts all three against one address and the limit (2 a minute) answers 429 at the latest on the third.
    const statuses: number[] = [];
    for (const spoofed of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const res = await fetch(`${web.url}/api/voting/rounds/${round.roundId}/codes/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': spoofed },
        body: JSON.stringify({ code: 'DDDDD-DDDDD' }),
      });
      statuses.push(res.status);
    }
    expect(statuses.at(-1)).toBe(429);
  });

  it('renders the app shell in Chromium at phone width with no accessibility violation and switches language', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone' });
    await page.goto('/nowhere');
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await checkPage(page, 'not-found');
    await page.getByRole('combobox', { name: 'Language' }).selectOption('pl');
    await page.getByRole('heading', { level: 1, name: 'Nie znaleziono strony' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('pl');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Nie znaleziono strony' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});
