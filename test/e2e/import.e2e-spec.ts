import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPbFile, writePbFile } from '@plaza/pabulib';
import { run } from '../../apps/cli/src/cli';
import { planImport } from '../../apps/cli/src/import/plan';
import { PlazaApi } from '../../apps/cli/src/import/plaza-api';
import { runImport } from '../../apps/cli/src/import/run-import';
import { CachedTokens, LocalSigner } from '../../apps/cli/src/import/tokens';
import { TEST_SIGNING_KEY_PEM } from '../support/auth';
import { http, Stack } from '../support/stack';

const fixture = (name: string) => join(__dirname, '..', 'fixtures', 'pabulib', name);

/**
 * `plaza import` against the three services in this process: every call goes over HTTP with tokens signed by
 * the development key, as the CLI does against `npm start`.
 */
describe('plaza import replays Pabulib elections through the services', () => {
  const stack = new Stack();
  let api: PlazaApi;

  beforeAll(async () => {
    await stack.start();
    api = new PlazaApi(
      { proposals: stack.url('proposals'), voting: stack.url('voting'), audit: stack.url('audit') },
      new CachedTokens(new LocalSigner(TEST_SIGNING_KEY_PEM)),
    );
  });

  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'plaza-import-e2e-'));
  });

  afterAll(async () => {
    await stack.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  const replay = async (file: string, timeoutMs = 60_000) => {
    const plan = planImport(readPbFile(fixture(file)), { fileName: file });
    const outcome = await runImport(api, plan, { concurrency: 16, timeoutMs, log: () => undefined });
    return { plan, outcome };
  };

  it('Warszawa 2017 Plac Wojska Polskiego (knapsack ballots, greedy): the declared selection equals the file', async () => {
    const { plan, outcome } = await replay('Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb');
    expect(outcome.equal).toBe(true);
    expect([...outcome.selected].sort()).toEqual([...plan.official!].sort());
    expect(outcome.ballotsCounted).toBe(27);
    expect(outcome.status).toBe('ok');
    // The audit service recounted the declaration from its ledger and agrees.
    expect(outcome.audit).toEqual({ status: 'verified', differences: [] });

    // What the CLI printed is what the public results API says, with the file's titles and minor-unit costs.
    const results = await http('GET', `${stack.url('voting')}/rounds/${outcome.roundId}/results`);
    const unit = results.body.units[0];
    expect(unit.winners.map((w: { proposalId: string }) => w.proposalId)).toEqual(outcome.selected.map((id) => outcome.proposals[id]));
    const titles = new Map(plan.projects.map((p) => [p.pbId, p.title]));
    expect(unit.winners.map((w: { title: string }) => w.title)).toEqual(outcome.selected.map((id) => titles.get(id)));
    expect(unit.spent).toBe(plan.projects.filter((p) => outcome.selected.includes(p.pbId)).reduce((s, p) => s + p.cost, 0));
    expect(unit.participation.registered).toBe(27);
  });

  it('Częstochowa Mirów 2024 (cumulative ballots, 379 voters): equal to the file', async () => {
    const { plan, outcome } = await replay('Poland_Czestochowa_2024_Mirow.pb');
    expect(plan.config.ballot.type).toBe('cumulative');
    expect(outcome.ballotsCounted).toBe(379);
    expect(outcome.onlyInFile).toEqual([]);
    expect(outcome.onlyInPlaza).toEqual([]);
    expect(outcome.equal).toBe(true);
  });

  it('Assen 2024 (Equal Shares with Add1, an exact tie between projects 2 and 11): equal to the file', async () => {
    // The official tally runs Add1 in one-cent steps (README, "Money and Add1"): allow for a busy machine.
    const { plan, outcome } = await replay('Netherlands_Assen_2024.pb', 240_000);
    expect(plan.config.outcome).toEqual({ rule: 'equalshares/add1' });
    expect(outcome.ballotsCounted).toBe(84);
    expect(outcome.onlyInFile).toEqual([]);
    expect(outcome.onlyInPlaza).toEqual([]);
    expect(outcome.equal).toBe(true);
  }, 300_000);

  it('Kraków 2022 Krowodrza (ranked ballots, 3/2/1 points): equal to the file', async () => {
    const { plan, outcome } = await replay('Poland_Krakow_2022_Krowodrza.pb');
    expect(plan.config.ballot).toMatchObject({ type: 'ranked', rankPoints: [3, 2, 1] });
    expect(outcome.ballotsCounted).toBe(2227);
    expect(outcome.equal).toBe(true);
  });

  it('`plaza import` exits 0 when equal, 1 with both sides named when the file says otherwise, 2 on errors', async () => {
    const keyFile = join(tmp, 'dev-key.pem');
    writeFileSync(keyFile, TEST_SIGNING_KEY_PEM, { mode: 0o600 });
    // Warszawa 2017 selected all four projects; claim project 2 was not, so Plaza's declaration must differ.
    const original = readPbFile(fixture('Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb'));
    const changed = { ...original, projects: original.projects.map((p) => (p.id === original.projects[1].id ? { ...p, selected: '0' } : p)) };
    const file = join(tmp, 'changed.pb');
    writePbFile(file, changed);
    const urls = ['--proposals', stack.url('proposals'), '--voting', stack.url('voting'), '--audit', stack.url('audit'), '--dev-key', keyFile];
    const io = () => {
      const out: string[] = [];
      const err: string[] = [];
      return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
    };

    const same = io();
    expect(await run(['import', fixture('Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb'), '--json', ...urls], same.io)).toBe(0);
    const json = JSON.parse(same.out.join(''));
    expect(json).toMatchObject({ equal: true, ballotsCounted: 27, onlyInFile: [], onlyInPlaza: [] });
    expect(json.roundId).toMatch(/^[0-9a-f-]{36}$/);
    expect([...json.selected].sort()).toEqual(original.projects.map((p) => p.id).sort());

    const differs = io();
    expect(await run(['import', file, ...urls], differs.io)).toBe(1);
    const text = differs.out.join('');
    expect(text).toContain("DIFFERENT from the file's selected column");
    expect(text).toContain(`declared by Plaza only:    ${original.projects[1].id}`);
    expect(text).toContain('audit recount: verified');

    const unreachable = io();
    expect(await run(['import', file, '--proposals', 'http://127.0.0.1:9', '--voting', 'http://127.0.0.1:9', '--dev-key', keyFile], unreachable.io)).toBe(2);
    expect(unreachable.err.join('')).toMatch(/plaza: .*changed\.pb: POST http:\/\/127\.0\.0\.1:9\/rounds: .*ECONNREFUSED/);

    const unknownRule = io();
    expect(await run(['import', fixture('Hungary_Budapest_2024.pb'), ...urls], unknownRule.io)).toBe(2);
    expect(unknownRule.err.join('')).toMatch(/pass --rule/);
  });
});
