import type { Browser, Page } from 'playwright-core';
import { expectEventually } from '@plaza/testing';
import { IDP_PASSWORD } from '../support/idp';
import { openRound } from '../support/round';
import { http } from '../support/stack';
import { checkPage, launchBrowser, openPage, statusMessage, WebStack } from '../support/web';

/**
 * Sign-in through the local OpenID Connect provider (infra/dev-idp.mjs, oidc-provider) in Chromium, exactly the
 * production flow: the web app redirects to the provider (authorization code + PKCE, a public client), the person
 * signs in there, the app swaps the code for an RS256 JWT access token (typ at+jwt, audience plaza-api, roles in
 * the namespaced claim urn:plaza:roles) that the services verify against the provider's JWKS.
 */
describe('OpenID Connect sign-in (local provider, code + PKCE)', () => {
  const web = new WebStack({}, { oidc: true });
  let browser: Browser;

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web.destroy();
  });

  const h1 = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();
  const decode = (jwt: string, part: 0 | 1) => JSON.parse(Buffer.from(jwt.split('.')[part]!, 'base64url').toString('utf8'));

  /** Every value in this tab's sessionStorage and the origin's localStorage that is or holds a JWT. */
  const tokensKept = (page: Page) =>
    page.evaluate(() => {
      const w = globalThis as any;
      const found: string[] = [];
      for (const [name, storage] of [['sessionStorage', w.sessionStorage], ['localStorage', w.localStorage]] as const) {
        for (const key of Object.keys(storage as object)) {
          if (/eyJ[\w-]+\.[\w-]+\./.test((storage.getItem(key) as string | null) ?? '')) found.push(`${name}:${key}`);
        }
      }
      return found;
    });

  /** From Plaza's sign-in page to the provider, signs in there, and waits to be back on Plaza at `next`. */
  async function signInAt(page: Page, next: string, user: string): Promise<{ authorize: URL; tokenBody: URLSearchParams }> {
    const issuer = web.idp!.issuer;
    let authorize: URL | undefined;
    let tokenBody: URLSearchParams | undefined;
    const watch = (request: import('playwright-core').Request) => {
      if (request.url().startsWith(`${issuer}/auth?`)) authorize = new URL(request.url());
      if (request.url() === `${issuer}/token` && request.method() === 'POST') tokenBody = new URLSearchParams(request.postData() ?? '');
    };
    page.on('request', watch);
    await page.goto(`/signin?next=${encodeURIComponent(next)}`);
    await h1(page, 'Sign in');
    await page.getByRole('button', { name: 'Sign in with Plaza test provider' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${issuer}/interaction/`));
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(IDP_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.href === `${web.url}${next}`).catch(async (error: Error) => {
      // Say where the browser got stuck and what it shows (a provider error page, the callback's message).
      throw new Error(`${error.message}\nstuck at ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 500)}`);
    });
    page.off('request', watch);
    return { authorize: authorize!, tokenBody: tokenBody! };
  }

  it('signs a resident in through the provider (code + PKCE), who proposes a project and votes; no token in localStorage', async () => {
    const voting = await openRound(web.stack, { name: 'Voting round', roll: ['resident-1,centre,'] });
    const P = web.stack.url('proposals');
    const admin = { token: web.token('admin') };
    const created = await http('POST', `${P}/rounds`, {
      name: 'Proposals round',
      currency: 'PLN',
      units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 1_000_000_00 }],
      schedule: {},
      ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
      outcome: { rule: 'greedy' },
      eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
    }, admin);
    expect(created.status).toBe(201);
    const roundId: string = created.body.roundId;
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, admin)).status).toBe(200);

    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone' });
    const { authorize, tokenBody } = await signInAt(page, `/rounds/${roundId}/proposals/new`, 'resident-1');
    // The authorization code flow with PKCE, a public client: no secret, a S256 challenge, the verifier at /token.
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ response_type: 'code', client_id: 'plaza-web', code_challenge_method: 'S256' });
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(tokenBody.get('grant_type')).toBe('authorization_code');
    expect(tokenBody.get('code_verifier')).toMatch(/^[\w.~-]{43,128}$/);
    expect(tokenBody.has('client_secret')).toBe(false);

    const stored = await page.evaluate(() => JSON.parse(((globalThis as any).sessionStorage.getItem('plaza.session') as string | null) ?? 'null'));
    expect(stored).toMatchObject({ via: 'oidc', rolesClaim: 'urn:plaza:roles' });
    expect(decode(stored.token, 0)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    expect(decode(stored.token, 1)).toMatchObject({ iss: web.idp!.issuer, aud: 'plaza-api', sub: 'resident-1', 'urn:plaza:roles': ['resident'] });
    expect(await page.evaluate(() => Object.keys((globalThis as any).localStorage as object).filter((k) => k !== 'plaza.lang'))).toEqual([]);

    await h1(page, 'Propose a project');
    await page.getByLabel('Title').fill('Benches by the fountain');
    await page.getByLabel('Description').fill('Six benches around the fountain in the square.');
    await page.getByLabel('Estimated cost (PLN)').fill('24000');
    await page.getByRole('button', { name: 'Submit the proposal' }).click();
    await h1(page, 'Benches by the fountain');
    await expectEventually(async () => {
      const listed = await http('GET', `${P}/rounds/${roundId}/proposals?limit=10`, undefined, { token: web.token('staff') });
      expect(listed.body.items).toEqual([expect.objectContaining({ title: 'Benches by the fountain' })]);
    });
    await checkPage(page, 'oidc-resident-proposal');

    await page.goto(`/rounds/${voting.roundId}/vote`);
    await h1(page, 'Vote: Voting round');
    await page.getByRole('checkbox', { name: 'Proposal 1', exact: true }).check();
    await page.getByRole('button', { name: 'Review my ballot' }).click();
    await page.getByRole('button', { name: 'Submit my ballot' }).click();
    await page.getByRole('heading', { level: 2, name: 'Your ballot has been recorded' }).waitFor();
    // The services verify the provider's token themselves (a 503 with Retry-After when the shared database is busy is retried).
    await expectEventually(async () => {
      const mine = await http('GET', `${web.stack.url('voting')}/rounds/${voting.roundId}/ballots/mine`, undefined, { token: stored.token });
      expect(mine.status).toBe(200);
      expect(mine.body.current).toEqual([expect.objectContaining({ unitId: 'centre', ballotVersion: 1, choices: [voting.proposalIds[0]] })]);
    });
    expect(await tokensKept(page)).toEqual(expect.not.arrayContaining([expect.stringMatching(/^localStorage:/)]));
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('signs an administrator in, who configures a round; signing out clears every token and ends the provider session', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'desktop' });
    await signInAt(page, '/admin/rounds/new', 'admin');
    await h1(page, 'New round');
    await page.getByRole('group', { name: 'Name and currency' }).getByLabel('Name').fill('Round configured over OIDC');
    const unit1 = page.getByRole('group', { name: 'Unit 1' });
    await unit1.getByLabel('Id').fill('centre');
    await unit1.getByLabel('Name').fill('Centre');
    await unit1.getByLabel('Budget (PLN)').fill('1500000');
    await page.getByLabel('Voting closes', { exact: true }).fill('2099-06-01T12:00');
    await page.getByRole('button', { name: 'Create round' }).click();
    await h1(page, 'Round configured over OIDC');
    await statusMessage(page, 'The round was created as a draft.').waitFor();
    const roundId = page.url().split('/').pop()!;
    await expectEventually(async () => {
      const round = await http('GET', `${web.stack.url('proposals')}/rounds/${roundId}`, undefined, { token: web.token('admin') });
      expect(round.body.config).toMatchObject({ name: 'Round configured over OIDC', units: [{ id: 'centre', budget: 150_000_000 }] });
    });
    expect(await tokensKept(page)).not.toEqual([]);

    // Sign out everywhere: the provider asks to confirm ending its session, then sends the browser back.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.href.startsWith(web.idp!.issuer));
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${web.url}/signin/signed-out`);
    await h1(page, 'You are signed out');
    expect(await tokensKept(page)).toEqual([]);
    expect(await page.evaluate(() => Object.keys((globalThis as any).sessionStorage as object).filter((k) => k.startsWith('plaza.oidc.') || k === 'plaza.session'))).toEqual([]);
    await checkPage(page, 'oidc-signed-out');

    // The provider's session is gone too: signing in again asks for the password.
    await page.goto('/signin');
    await page.getByRole('button', { name: 'Sign in with Plaza test provider' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${web.idp!.issuer}/interaction/`));
    await page.getByLabel('Password').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('refuses a wrong password at the provider and leaves Plaza signed out', async () => {
    const { page, context } = await openPage(browser, web, { viewport: 'phone' });
    await page.goto('/signin');
    await page.getByRole('button', { name: 'Sign in with Plaza test provider' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${web.idp!.issuer}/interaction/`));
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Unknown user or wrong password.').waitFor();
    expect(await tokensKept(page)).toEqual([]);
    await context.close();
  }, 120_000);
});
