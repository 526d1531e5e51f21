import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { Role } from '@plaza/nest-runtime';
import { expectEventually } from '@plaza/testing';
import { loadWebConfig } from '../../apps/web/src/config';
import { startWeb, type RunningWeb } from '../../apps/web/src/web';
import { startIdp, type RunningIdp } from './idp';
import { Stack } from './stack';

/**
 * The built UI the web server serves (`npm test` builds it first; `npm run build:web` by hand). `PLAZA_UI_DIR`
 * points at another build (`vite build --outDir …`), so a test run is not broken by a rebuild of dist/web meanwhile.
 */
export const UI_DIR = process.env.PLAZA_UI_DIR ? resolve(process.env.PLAZA_UI_DIR) : resolve(__dirname, '../../dist/web');
export const SCREENSHOT_DIR = resolve(__dirname, '../web/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const VIEWPORTS = {
  phone: { width: 360, height: 740 },
  desktop: { width: 1280, height: 900 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/**
 * The three services (fresh schemas and topics, as in every e2e test) plus apps/web in front of them on
 * a free port: the browser talks only to `web.url`, exactly as under `npm start`.
 */
export class WebStack {
  stack: Stack;
  private web?: RunningWeb;
  /** The local OpenID Connect provider, when started with `{ oidc: true }`. */
  idp?: RunningIdp;

  /**
   * `settings`: more environment for the services (see Stack). `oidc`: also run the local OpenID Connect provider
   * (infra/dev-idp.mjs) and have the services and the web app use it, as `npm start` does.
   */
  constructor(
    private readonly settings: ConstructorParameters<typeof Stack>[0] = {},
    private readonly options: { oidc?: boolean } = {},
  ) {
    this.stack = new Stack(settings);
  }

  async start(): Promise<void> {
    if (!existsSync(join(UI_DIR, 'index.html'))) {
      throw new Error(`the UI is not built (${UI_DIR}/index.html missing): run npm run build:web (npm test does it)`);
    }
    if (this.options.oidc) {
      this.idp = await startIdp();
      const withIdp = (name: 'proposals' | 'voting' | 'audit') => ({ ...this.idp!.serviceEnv, ...this.settings?.[name] });
      this.stack = new Stack({ proposals: withIdp('proposals'), voting: withIdp('voting'), audit: withIdp('audit') });
    }
    await this.stack.start();
    this.web = await startWeb(
      loadWebConfig({
        PORT: '0',
        PROPOSALS_URL: this.stack.url('proposals'),
        VOTING_URL: this.stack.url('voting'),
        AUDIT_URL: this.stack.url('audit'),
        WEB_UI_DIR: UI_DIR,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        ...this.idp?.webEnv,
      }),
    );
  }

  get url(): string {
    if (!this.web) throw new Error('web is not running');
    return this.web.url;
  }

  token(roles: Role | readonly Role[], sub?: string): string {
    return this.stack.token(roles, sub);
  }

  async destroy(): Promise<void> {
    await this.web?.app.close();
    await this.stack.destroy();
    await this.idp?.stop();
  }
}

/**
 * Debian's Chromium, headless, as this machine allows it: no sandbox (root), no GPU, and no background
 * networking (the machine has no internet; Chromium's update/sync/safe-browsing calls would be refused).
 * Playwright gives every launch a fresh temporary profile.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface PageOptions {
  readonly viewport?: ViewportName;
  readonly locale?: 'en-GB' | 'pl-PL';
  /** Sign in before the first page loads (a token from the test key, as the dev identity provider would give). */
  readonly as?: { roles: Role | readonly Role[]; sub?: string; token?: string };
  /** Plaza's UI language (stored choice); defaults to the browser locale's. */
  readonly language?: 'en' | 'pl';
}

/** A new isolated context (own storage) and page; console errors and failed requests are collected. */
export async function openPage(browser: Browser, web: WebStack, options: PageOptions = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const viewport = VIEWPORTS[options.viewport ?? 'desktop'];
  const context = await browser.newContext({
    baseURL: web.url,
    viewport,
    locale: options.locale ?? 'en-GB',
    hasTouch: options.viewport === 'phone',
    isMobile: options.viewport === 'phone',
    deviceScaleFactor: 1,
  });
  const token = options.as ? (options.as.token ?? web.token(options.as.roles, options.as.sub)) : undefined;
  const language = options.language;
  await context.addInitScript(
    ({ token, language }) => {
       
      const w = globalThis as any;
      // The session lives in sessionStorage (this tab only), as the app keeps it.
      if (token && !w.sessionStorage.getItem('plaza.test.signed-in')) {
        w.sessionStorage.setItem('plaza.session', token);
        w.sessionStorage.setItem('plaza.test.signed-in', '1');
      }
      if (language) w.localStorage.setItem('plaza.lang', language);
    },
    { token, language },
  );
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return { context, page, problems };
}

/** Saves a full-page screenshot as test/web/screenshots/<name>-<viewport>.png (git-ignored) and returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const size = page.viewportSize();
  const label = size && size.width <= 480 ? 'phone' : 'desktop';
  const file = join(SCREENSHOT_DIR, `${name}-${label}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: string[];
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules, best practices) on the page as it is now. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
     
    const w = globalThis as any;
    const run = (w as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe.run;
    const r = await run(w.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return result;
}

/** Fails with every serious or critical violation named (rule, help, elements); returns the milder ones. */
export async function expectAccessible(page: Page, where: string): Promise<AxeViolation[]> {
  const violations = await axe(page);
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (blocking.length) {
    throw new Error(
      `axe-core on ${where} (${page.url()}): ${blocking.length} serious/critical violation(s):\n` +
        blocking.map((v) => `  - [${v.impact}] ${v.id}: ${v.help}\n      ${v.nodes.slice(0, 5).join('\n      ')}`).join('\n'),
    );
  }
  return violations.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
}

/**
 * Fails when the page is wider than the window (the whole page scrolls sideways), naming the elements that stick
 * out. A wide table inside a `.table-wrap` scrolls on its own and is fine; the page itself must fit 360 px.
 */
export async function expectFitsWidth(page: Page, where: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const w = globalThis as any;
    const root = w.document.documentElement;
    const width: number = root.clientWidth;
    if (root.scrollWidth <= width + 1) return null;
    const culprits: string[] = [];
    for (const el of Array.from(w.document.body.querySelectorAll('*')) as any[]) {
      const r = el.getBoundingClientRect();
      if (r.right <= width + 1 || r.width === 0) continue;
      // Report the outermost element that sticks out, not each of its children, except absolutely positioned
      // ones: a scrolling wrapper does not clip those unless it is their containing block.
      const parent = el.parentElement;
      const positioned = ['absolute', 'fixed'].includes(w.getComputedStyle(el).position);
      if (!positioned && parent && parent !== w.document.body && parent.getBoundingClientRect().right > width + 1) continue;
      culprits.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} (right edge ${Math.round(r.right)} px)`);
    }
    return { scrollWidth: root.scrollWidth as number, width, culprits: culprits.slice(0, 8) };
  });
  if (overflow) {
    throw new Error(`${where} (${page.url()}) is ${overflow.scrollWidth} px wide in a ${overflow.width} px window: ${overflow.culprits.join('; ')}`);
  }
}

/** Screenshot, axe, and the page fitting its window: what every browser test does on each page it visits. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await expectFitsWidth(page, name);
  // The screenshot is a picture for people to look at, not a check: Chromium stalling on a full-page capture of a
  // loaded machine (a CI run timed out on it after every check had passed) must not fail the test.
  await screenshot(page, name).catch((error: unknown) => console.warn(`screenshot of ${name} not saved: ${(error as Error).message.split('\n')[0]}`));
}

/** A "done" message in a polite live region (role=status), as the admin and vote pages announce them. */
export function statusMessage(page: Page, text: string | RegExp) {
  return page.getByRole('status').filter({ hasText: text });
}

/** Moves a round to its next phase on the admin overview: the button, its confirmation, the announced result. */
export async function movePhase(page: Page, action: string, phaseLabel: string): Promise<void> {
  await page.getByRole('button', { name: action, exact: true }).click();
  await page.getByRole('heading', { name: `${action}?` }).waitFor();
  await page.getByRole('button', { name: `Yes, ${action}` }).click();
  await statusMessage(page, `The round is now in phase “${phaseLabel}”.`).waitFor();
}

/**
 * Presses `key` and waits until `announced` (dnd-kit's live region) says `expected`. On a loaded machine a key
 * pressed the moment a drag was picked up can arrive before dnd-kit listens for it: when the announcement did not
 * change at all, the key was not taken and is pressed again (at most `tries` times). A changed announcement is
 * never pressed over.
 */
export async function pressUntilAnnounced(page: Page, key: string, announced: Locator, expected: string, tries = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const before = await announced.textContent();
    await page.keyboard.press(key);
    try {
      await expectEventually(async () => expect(await announced.textContent()).toBe(expected), { timeoutMs: 5_000 });
      return;
    } catch (error) {
      if (attempt === tries || (await announced.textContent()) !== before) throw error;
    }
  }
}
