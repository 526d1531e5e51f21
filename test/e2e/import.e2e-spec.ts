import { join } from 'node:path';
import { readPbFile } from '@plaza/pabulib';
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

  afterAll(async () => {
    await stack.destroy();
  });

  const replay = async (file: string) => {
    const plan = planImport(readPbFile(fixture(file)), { fileName: file });
    const outcome = await runImport(api, plan, { concurrency: 16, timeoutMs: 60_000, log: () => undefined });
    return { plan, outcome };
  };

  it('Warszawa 2017 Plac Wojska Polskiego (knapsack ballots, greedy): the declared selection equals the file', async () => {
    const { plan, outcome } = await replay('Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb');
    expect(outcome.equal).toBe(true);
    expect([...outcome.selected].sort()).toEqual([...plan.official!].sort());
    expect(outcome.ballotsCounted).toBe(27);
    expect(outcome.status).toBe('ok');

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
});
