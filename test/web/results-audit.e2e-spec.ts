import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { VERIFY_CHECKS } from '@plaza/bundle';
import { expectEventually } from '@plaza/testing';
import { exportBundle } from '../../apps/cli/src/commands/audit-export';
import { alterCheckpointSignature, editEvent, entryOf, otherChoice } from '../support/bundle-tamper';
import { closeVoting, openRound, residentToken, type OpenRound } from '../support/round';
import { http } from '../support/stack';
import { checkPage, launchBrowser, openPage, WebStack } from '../support/web';

/**
 * Issue #6, results and audit pages in Chromium: a two-district approval round counted greedily (online and paper
 * ballots, a roll with birth years) and an Equal Shares round, closed through the APIs; then the results page, the
 * ledger browser, the in-browser verification of the round's bundle, and a tampered copy of that bundle failing.
 */
describe('results and audit pages', () => {
  const web = new WebStack();
  let browser: Browser;
  let greedy: OpenRound;
  let mes: OpenRound;
  let results: any;
  let mesResults: any;
  const dirs: string[] = [];

  const cast = async (round: OpenRound, resident: string, unitId: string, choices: string[]) => {
    const res = await http('POST', `${web.stack.url('voting')}/rounds/${round.roundId}/ballots`, { unitId, choices }, { token: residentToken(web.stack, resident) });
    if (res.status !== 201) throw new Error(`ballot of ${resident}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const verified = (roundId: string) =>
    expectEventually(async () => {
      const v = await http('GET', `${web.stack.url('audit')}/rounds/${roundId}/verification`);
      expect(v.body.status).toBe('verified');
    }, { timeoutMs: 30_000 });

  beforeAll(async () => {
    await web.start();
    browser = await launchBrowser();

    // Centre: P1 200k, P2 150k, P3 250k, P4 50k of 500k; North: N1 200k, N2 150k of 300k (PLN, minor units).
    greedy = await openRound(web.stack, {
      units: [
        { id: 'centre', name: 'Centre', kind: 'district', budget: 500_000_00 },
        { id: 'north', name: 'North', kind: 'district', budget: 300_000_00 },
      ],
      ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
      outcome: { rule: 'greedy' },
      proposals: [
        { unitId: 'centre', cost: 200_000_00 },
        { unitId: 'centre', cost: 150_000_00 },
        { unitId: 'centre', cost: 250_000_00 },
        { unitId: 'centre', cost: 50_000_00 },
        { unitId: 'north', cost: 200_000_00 },
        { unitId: 'north', cost: 150_000_00 },
      ],
      roll: [
        'c1,centre,1950',
        'c2,centre,1960',
        'c3,centre,1975',
        'c4,centre,1990',
        'c5,centre,2000',
        'c6,centre,2005',
        'c7,centre,1985',
        'c8,centre,1940',
        'c9,centre,',
        'n1,north,1980',
        'n2,north,1995',
        'n3,north,2001',
        'n4,north,1970',
      ],
    });
    const [P1, P2, P3, P4, N1, N2] = greedy.proposalIds;
    await cast(greedy, 'c1', 'centre', [P3, P1]);
    await cast(greedy, 'c2', 'centre', [P3, P2]);
    await cast(greedy, 'c3', 'centre', [P3]);
    await cast(greedy, 'c4', 'centre', [P1, P4]);
    await cast(greedy, 'c5', 'centre', [P2]);
    await cast(greedy, 'c6', 'centre', [P3, P1, P4]);
    await cast(greedy, 'n1', 'north', [N2]);
    await cast(greedy, 'n2', 'north', [N2, N1]);
    await cast(greedy, 'n3', 'north', [N1]);
    // Two paper sheets for the centre, entered by a clerk in one reconciled batch.
    const V = `${web.stack.url('voting')}/rounds/${greedy.roundId}`;
    const clerk = { token: web.stack.token('staff', 'clerk-1') };
    // A third, spoiled sheet is set aside as refused: its PaperSheetRefused event is in the verified bundle too.
    const batch = await http('POST', `${V}/paper-batches`, { unitId: 'centre', sheetsCounted: 3 }, clerk);
    expect(batch.status).toBe(201);
    for (const [voter, choices] of [
      ['c7', [P1]],
      ['c8', [P4]],
    ] as const) {
      const sheet = await http('POST', `${V}/paper-batches/${batch.body.batchId}/ballots`, { voter, choices }, clerk);
      expect(sheet.status).toBe(201);
    }
    expect((await http('POST', `${V}/paper-batches/${batch.body.batchId}/refusals`, { reason: 'spoiled' }, clerk)).status).toBe(201);
    expect((await http('POST', `${V}/paper-batches/${batch.body.batchId}/close`, {}, clerk)).body).toMatchObject({ reconciled: true });
    results = await closeVoting(web.stack, greedy.roundId);

    // Equal Shares: one unit, 600k; A 300k, B 200k, C 300k.
    mes = await openRound(web.stack, {
      units: [{ id: 'city', name: 'City', kind: 'category', budget: 600_000_00 }],
      ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
      outcome: { rule: 'equalshares' },
      proposals: [
        { unitId: 'city', cost: 300_000_00 },
        { unitId: 'city', cost: 200_000_00 },
        { unitId: 'city', cost: 300_000_00 },
      ],
      roll: ['m1,city,1980', 'm2,city,1981', 'm3,city,1982', 'm4,city,1983', 'm5,city,1984', 'm6,city,1985'],
    });
    const [A, B, C] = mes.proposalIds;
    await cast(mes, 'm1', 'city', [A, B]);
    await cast(mes, 'm2', 'city', [A]);
    await cast(mes, 'm3', 'city', [A, C]);
    await cast(mes, 'm4', 'city', [B]);
    await cast(mes, 'm5', 'city', [C]);
    await cast(mes, 'm6', 'city', [C, B]);
    mesResults = await closeVoting(web.stack, mes.roundId);
    await verified(greedy.roundId);
    await verified(mes.roundId);
  }, 300_000);

  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await browser?.close();
    await web.destroy();
  });

  const meterOf = (page: Page, name: string) => page.getByRole('meter', { name, exact: true });

  it('shows the results of the greedy round: winners, spending meter, chart and table, reasons, fairness, participation (desktop)', async () => {
    const centre = results.units.find((u: any) => u.unitId === 'centre');
    const north = results.units.find((u: any) => u.unitId === 'north');
    const [P1, , P3, P4] = greedy.proposalIds;
    // Supports: P1 4 (3 online + 1 paper), P3 4, P4 3, P2 2: P1 and P3 tie (the cheaper P1 first), P4 fits, P2 does not.
    expect(centre.selected).toEqual([P1, P3, P4]);
    expect(centre.spent).toBe(500_000_00);
    expect(north.selected).toEqual([greedy.proposalIds[5]]);

    const { page, context, problems } = await openPage(browser, web, { viewport: 'desktop' });
    await page.goto(`/rounds/${greedy.roundId}/results`);
    await page.getByRole('heading', { level: 1, name: /Results/ }).waitFor();
    await page.getByText('Verified.').waitFor();
    // Centre is the first tab.
    await page.getByRole('tab', { name: 'Centre', selected: true }).waitFor();
    await page.getByRole('heading', { level: 3, name: '3 funded projects' }).waitFor();
    const winners = page.locator('ol.winners li');
    expect(await winners.allTextContents()).toEqual([expect.stringContaining('Proposal 1'), expect.stringContaining('Proposal 3'), expect.stringContaining('Proposal 4')]);
    const spending = meterOf(page, 'Budget spent');
    expect(await spending.getAttribute('aria-valuenow')).toBe(String(500_000_00));
    expect(await spending.getAttribute('aria-valuemax')).toBe(String(500_000_00));
    expect(await spending.getAttribute('aria-valuetext')).toMatch(/of .*500,000\.00 spent, .*0\.00 left over/);
    // The chart is drawn (recharts svg, hidden from assistive technology) and its data is in a table.
    const figure = page.locator('figure.results-figure');
    await figure.locator('.results-chart svg').first().waitFor();
    expect(await figure.locator('.results-chart').getAttribute('aria-hidden')).toBe('true');
    expect(await figure.locator('figcaption').textContent()).toMatch(/dashed line marks 3 votes/);
    await page.getByText('Show the chart’s data as a table').click();
    const rows = figure.getByRole('row');
    expect(await rows.count()).toBe(5);
    expect(await rows.nth(1).textContent()).toContain('Proposal 1');
    expect(await rows.nth(4).textContent()).toMatch(/Proposal 2.*Not funded/);
    // Why: P2 did not fit into what was left.
    const why = page.locator('.explain-list li', { hasText: 'Proposal 2' });
    expect(await why.textContent()).toMatch(/Did not fit: only .*0\.00 was left/);
    // P1 and P3 tie on support but both fit, so the tie decides nothing and is not reported.
    expect(await page.getByRole('heading', { name: 'Ties' }).count()).toBe(0);
    // Fairness from the published ballots: 7 of the 8 centre voters have a funded project.
    const fair = meterOf(page, 'Voters with at least one funded project');
    await fair.waitFor();
    expect(await fair.getAttribute('aria-valuenow')).toBe('7');
    expect(await fair.getAttribute('aria-valuemax')).toBe('8');
    // The same in plain words (7 of 8 is 9 in 10), and how evenly the funded projects are spread.
    await page.getByText('9 in 10 voters got at least one project they chose.', { exact: true }).waitFor();
    await page.getByText(/^On average a voter got [0-9.]+ of the projects they chose\. Spread \(Gini coefficient\): [0-9.]+/).waitFor();
    // Approval ballots and a few projects: the exact check of fairness to groups (EJR) is given in words too.
    await page.getByText(/^(Fair to groups \(checked exactly\)|Not fair to every group: \d+ voters all wanted)/).waitFor();
    // Priceability, by hand: with PLN 100,000 each, c2 and c3 pay 200,000 of P3's 250,000 and c1 the rest; c7, c1 and c4 pay
    // P1, c8 P4; P2's supporters c2 (spent all) and c5 (only P2) keep 100,000 < 150,000. Nothing else fits: exhaustive.
    const priced = page.locator('.fairness-priceability');
    await priced.getByText(/^Fair prices \(checked exactly\): had every voter PLN\s[\d,.]+ to spend only on projects they chose/).waitFor();
    expect(await priced.textContent()).not.toContain('Money is left over');
    // Participation: online 6 and paper 2 in the centre; no age bands per unit (only for the whole round).
    const part = page.getByRole('region', { name: 'Participation in Centre' });
    expect(await part.getByRole('row', { name: /Online/ }).textContent()).toContain('6');
    expect(await part.getByRole('row', { name: /Paper/ }).textContent()).toContain('2');
    expect(await part.getByRole('columnheader', { name: 'Age band' }).count()).toBe(0);
    await checkPage(page, 'results-greedy-centre');

    // North, by keyboard on the tabs.
    await page.getByRole('tab', { name: 'Centre' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: 'North', selected: true }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe('North');
    await page.getByRole('heading', { level: 3, name: '1 funded project' }).waitFor();
    expect(await meterOf(page, 'Budget spent').getAttribute('aria-valuenow')).toBe(String(150_000_00));
    // N1 and N2 tie with 2 votes where only one fits: the cheaper N2 wins, N1 lost the tie, and the tie is reported.
    expect(await page.locator('.explain-list li', { hasText: 'Proposal 5' }).textContent()).toContain(
      'Tied on support with Proposal 6 and lost the tie: the cheaper project goes first.',
    );
    await page.getByRole('heading', { name: 'Ties' }).waitFor();
    expect(await page.getByText(/Proposal [56], Proposal [56] tied at 2 votes: the cheaper project went first/).count()).toBe(1);
    expect(await meterOf(page, 'Voters with at least one funded project').getAttribute('aria-valuenow')).toBe('2');
    // Whole round: 9 of 11 voters; participation over both districts.
    const round = meterOf(page, 'Voters with at least one funded project (all units)');
    expect(await round.getAttribute('aria-valuenow')).toBe('9');
    expect(await round.getAttribute('aria-valuemax')).toBe('11');
    await page.getByRole('heading', { level: 2, name: 'Participation, whole round' }).waitFor();
    // Age bands over the whole round, every cell under 10 people hidden, and the page says why.
    const whole = page.getByRole('region', { name: 'Participation, whole round' });
    expect(await whole.getByRole('row', { name: /65\+/ }).textContent()).toMatch(/65\+\s*hidden\s*hidden/);
    await whole.getByText('To protect small groups, a figure under 10 people, and a figure from which one could be worked out, is hidden.').waitFor();
    await checkPage(page, 'results-greedy-north');
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('shows the results on a phone with a district selector, and in Polish', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone', language: 'pl' });
    await page.goto(`/rounds/${greedy.roundId}/results`);
    await page.getByRole('heading', { level: 1, name: /Wyniki/ }).waitFor();
    const picker = page.getByRole('combobox', { name: 'Pula budżetu' });
    await picker.waitFor();
    expect(await page.getByRole('tab').first().isVisible()).toBe(false);
    await page.getByRole('heading', { level: 3, name: '3 wybrane projekty' }).waitFor();
    expect(await meterOf(page, 'Wykorzystany budżet').getAttribute('aria-valuenow')).toBe(String(500_000_00));
    await page.locator('.results-chart svg').first().waitFor();
    await page.getByText('Pokaż dane wykresu w tabeli').click();
    expect(await page.locator('figure.results-figure').getByRole('row').count()).toBe(5);
    expect(await page.locator('.explain-list li').count()).toBe(4);
    expect(await page.locator('.explain-list li', { hasText: 'Proposal 2' }).textContent()).toMatch(/Nie zmieścił się: gdy przyszła jego kolej, zostało tylko 0,00\szł/);
    const part = page.getByRole('region', { name: 'Frekwencja: Centre' });
    expect(await part.getByRole('row', { name: /Papierowo/ }).textContent()).toMatch(/Papierowo\s*2\s*25%/);
    await page.getByText('Potwierdzone.').waitFor();
    await meterOf(page, 'Głosujący z co najmniej jednym wybranym projektem').waitFor();
    await checkPage(page, 'results-greedy-pl');
    await picker.selectOption({ label: 'North' });
    await page.getByRole('heading', { level: 3, name: '1 wybrany projekt' }).waitFor();
    expect(page.url()).toContain('unit=north');
    await checkPage(page, 'results-greedy-north-pl');
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('explains an Equal Shares result: rounds with the price each supporter paid', async () => {
    const city = mesResults.units[0];
    expect(city.explanation.rounds.length).toBeGreaterThan(0);
    for (const viewport of ['phone', 'desktop'] as const) {
      const { page, context, problems } = await openPage(browser, web, { viewport });
      await page.goto(`/rounds/${mes.roundId}/results`);
      await page.getByRole('heading', { level: 4, name: 'Who paid what (Equal Shares)' }).waitFor();
      const table = page.getByRole('table', { name: 'Funding rounds: the price each supporter paid' });
      expect(await table.getByRole('row').count()).toBe(city.explanation.rounds.length + 1);
      expect(await table.getByRole('columnheader', { name: 'Price per supporter' }).count()).toBe(1);
      expect(await page.locator('figcaption').textContent()).toContain('Equal Shares has no support cut-off');
      const funded = page.locator('.explain-list li.explain-funded').first();
      expect(await funded.textContent()).toContain('Funded: its supporters could pay for it from their shares');
      expect(await page.locator('.explain-list li.explain-lost').first().textContent()).toMatch(/Its supporters had only PLN\s[\d,.]+ left together, not enough to pay for it\./);
      await page.locator('.results-chart svg').first().waitFor();
      await meterOf(page, 'Budget spent').waitFor();
      expect(await meterOf(page, 'Budget spent').getAttribute('aria-valuenow')).toBe(String(city.spent));
      // A, B, C tie at a third of their cost per supporter; B (cheaper) goes first, after which A's and C's
      // supporters have 233,333.33 together: only B. The run is its own price system (PLN 100,000 per voter), and
      // A would still fit the 400,000 left: priceable, not exhaustive — said in words under the fairness figure.
      expect(city.selected).toHaveLength(1);
      await page
        .locator('.fairness-priceability')
        .getByText(/^Fair prices \(checked exactly\): had every voter PLN\s100,000\.00 to spend only on projects they chose.* Money is left over that would still buy a project left out\.$/)
        .waitFor();
      // One unit: no picker.
      expect(await page.getByRole('tablist').count()).toBe(0);
      await checkPage(page, 'results-equal-shares');
      expect(problems).toEqual([]);
      await context.close();
    }
  }, 180_000);

  it('says when results come before voting closes', async () => {
    const open = await openRound(web.stack, { schedule: { votingClosesAt: '2099-05-01T18:00:00Z' } });
    const { page, context, problems } = await openPage(browser, web, { viewport: 'phone' });
    await page.goto(`/rounds/${open.roundId}/results`);
    await page.getByText(/There are no results yet/).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Voting closes on' }).textContent()).toContain('2099');
    await checkPage(page, 'results-not-yet');
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('browses the ledger (paging, round filter, canonical JSON) and lists signed checkpoints and the key', async () => {
    const { page, context, problems } = await openPage(browser, web, { viewport: 'desktop' });
    await page.goto('/audit');
    await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
    const table = page.getByRole('table', { name: 'Ledger entries' });
    await table.waitFor();
    expect(await table.getByRole('row').count()).toBe(26);
    expect(await table.getByRole('row').nth(1).textContent()).toContain('RoundCreated');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(/^Entries 25 to 49 of a ledger of/).waitFor();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText(/^Entries 0 to 24 of a ledger of/).waitFor();
    // Only the Equal Shares round's entries.
    await page.getByLabel('Round', { exact: true }).selectOption({ value: mes.roundId });
    await expectEventually(async () => {
      const types = await page.locator('.ledger-table tbody tr td:nth-child(2)').allTextContents();
      expect(types[0]).toBe('RoundCreated');
      const links = await page.locator('.ledger-table tbody tr td:nth-child(3)').allTextContents();
      expect(new Set(links)).toEqual(new Set(['Test round']));
    });
    await page.getByRole('button', { name: /^Show entry \d+$/ }).first().click();
    const canonical = page.locator('pre.canonical').first();
    await canonical.waitFor();
    const json = JSON.parse((await canonical.textContent())!);
    expect(json).toMatchObject({ type: 'RoundCreated', roundId: mes.roundId });
    await checkPage(page, 'audit-ledger');
    // Checkpoints with their signed notes, and the public key.
    await page.getByRole('heading', { level: 2, name: 'Signed checkpoints' }).waitFor();
    const note = page.locator('pre.note').first();
    expect(await note.textContent()).toMatch(/^plaza\.local\/ledger\n\d+\n[A-Za-z0-9+/=]+\n/);
    expect(await page.locator('.checkpoint-list li').count()).toBeGreaterThan(0);
    const key = await http('GET', `${web.stack.url('audit')}/ledger/public-key`);
    await page.getByText(key.body.verifierKey, { exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Copy the verifier key' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();

    const phone = await openPage(browser, web, { viewport: 'phone' });
    await phone.page.goto(`/audit?roundId=${greedy.roundId}`);
    await phone.page.getByRole('table', { name: 'Ledger entries' }).waitFor();
    await checkPage(phone.page, 'audit-ledger');
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  }, 180_000);

  it('verifies the round’s bundle in the browser against the pinned key: every check passes and the recount matches', async () => {
    for (const viewport of ['desktop', 'phone'] as const) {
      const { page, context, problems } = await openPage(browser, web, { viewport });
      await page.goto(`/rounds/${greedy.roundId}/audit`);
      await page.getByRole('heading', { level: 1, name: /Audit of a round/ }).waitFor();
      // The bundle's files, each with its size and SHA-256, downloadable.
      const files = page.getByRole('table', { name: 'Files of the audit bundle' });
      await files.getByRole('link', { name: 'ledger.jsonl' }).waitFor();
      await files.getByRole('link', { name: 'pabulib-centre.pb' }).waitFor();
      await page.getByText(/npx plaza audit export/).first().waitFor();
      await checkPage(page, 'round-audit');
      // Record every state of the progress bar (a small bundle verifies in well under a second).
      await page.evaluate(() => {
        const w = globalThis as any;
        const seen: { now: string | null; max: string | null; text: string | null }[] = [];
        w.__progress = seen;
        new w.MutationObserver(() => {
          const bar = w.document.querySelector('[role=progressbar]');
          if (bar) seen.push({ now: bar.getAttribute('aria-valuenow'), max: bar.getAttribute('aria-valuemax'), text: bar.getAttribute('aria-valuetext') });
        }).observe(w.document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
      });
      await page.getByRole('button', { name: 'Verify this round’s bundle' }).click();
      await page.getByRole('heading', { name: 'Verification passed' }).waitFor({ timeout: 60_000 });
      const seen: { now: string; max: string; text: string }[] = await page.evaluate(() => (globalThis as any).__progress);
      expect(seen.length).toBeGreaterThan(0);
      const values = seen.map((p) => Number(p.now));
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(values.every((v) => v >= 0 && v <= 100)).toBe(true);
      expect(seen.every((p) => p.max === '100' && /\(\d+%\)$/.test(p.text))).toBe(true);
      expect(await page.locator('.check-list li.check-failed').count()).toBe(0);
      expect(await page.locator('.check-list li.check-ok').count()).toBe(VERIFY_CHECKS.length);
      await page.getByText(/Checked against the pinned key/).waitFor();
      const recount = page.locator('table.recount-table');
      expect(await recount.getByRole('row').count()).toBe(3);
      const centre = recount.getByRole('row', { name: /Centre/ });
      expect(await centre.textContent()).toMatch(/Proposal 1.*Proposal 3.*Proposal 4.*Proposal 1.*Proposal 3.*Proposal 4.*Same/);
      expect(await recount.getByText('Same', { exact: true }).count()).toBe(2);
      await checkPage(page, 'round-audit-verified');
      expect(problems).toEqual([]);
      await context.close();
    }
  }, 180_000);

  it('verifies a bundle from disk: an exported copy passes, a tampered one FAILS naming the check', async () => {
    const base = mkdtempSync(join(tmpdir(), 'plaza-web-bundle-'));
    dirs.push(base);
    const exported = async (name: string) => {
      const dir = join(base, name);
      await exportBundle(greedy.roundId, { out: dir, url: web.stack.url('audit') });
      return { dir, files: readdirSync(dir).map((f) => join(dir, f)) };
    };
    const { page, context, problems } = await openPage(browser, web, { viewport: 'desktop' });
    await page.goto(`/rounds/${greedy.roundId}/audit`);
    const input = page.getByLabel('Bundle files');
    await input.waitFor();

    const honest = await exported('honest');
    await input.setInputFiles(honest.files);
    await page.getByRole('heading', { name: 'Verification passed' }).waitFor({ timeout: 60_000 });
    await page.getByText('Bundle from your files:').first().waitFor();

    // A ballot's choice changed without recomputing its leaf hash.
    const ballot = await exported('ballot');
    editEvent(ballot.dir, entryOf(ballot.dir, 'BallotCast'), otherChoice(ballot.dir), false);
    await input.setInputFiles(ballot.files);
    await page.getByRole('heading', { name: 'Verification FAILED' }).waitFor({ timeout: 60_000 });
    const summary = page.locator('.verify-summary');
    expect(await summary.locator('.first-failure').textContent()).toMatch(/First failure: (File digests|Leaf hashes)/);
    expect(await page.locator('.check-list li.check-failed', { hasText: 'Leaf hashes' }).count()).toBe(1);
    await checkPage(page, 'round-audit-tampered');

    // A checkpoint's signature altered.
    const signature = await exported('signature');
    alterCheckpointSignature(signature.dir, 1);
    await input.setInputFiles(signature.files);
    await expectEventually(async () => {
      expect(await page.locator('.check-list li.check-failed', { hasText: 'Checkpoint signatures' }).count()).toBe(1);
    }, { timeoutMs: 60_000 });
    await page.getByRole('heading', { name: 'Verification FAILED' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
