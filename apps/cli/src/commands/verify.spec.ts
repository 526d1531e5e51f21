import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pbFileName, RESULTS_FILE, syntheticRound, SYNTHETIC_UNIT, writeSyntheticBundle } from '@plaza/bundle';
import { generateLedgerKeyPair } from '@plaza/ledger';
import { readPbFile } from '@plaza/pabulib';
import { analyseFairness, fromPabulib } from '@plaza/tally';
import { run, type Io } from '../cli';

// The bundle report's fairness analysis: `plaza verify --analyse` on a synthetic round's bundle.
const root = mkdtempSync(join(tmpdir(), 'plaza-verify-analyse-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function plaza(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t) };
  const code = await run(argv, io);
  return { code, out, err };
}

describe('plaza verify --analyse', () => {
  it('adds the fairness of each unit\'s declared result, computed from the bundle\'s own ballots', async () => {
    const events = [...syntheticRound({ voters: 40, proposals: 5, seed: 7 })];
    const dir = join(root, 'bundle');
    await writeSyntheticBundle(dir, events[0].roundId, events, { keys: generateLedgerKeyPair(), origin: 'plaza.test/ledger', othersBetween: 0, checkpointEvery: 16 });
    const json = JSON.parse((await plaza('verify', dir, '--json', '--analyse', '--no-progress')).out);
    expect(json.ok).toBe(true);
    expect(json.analysis).toHaveLength(1);
    const { unitId, analysis } = json.analysis[0];
    expect(unitId).toBe(SYNTHETIC_UNIT);
    // The same figures as analysing the unit's .pb with the declared winners directly.
    const declared = (JSON.parse(readFileSync(join(dir, RESULTS_FILE), 'utf8')) as { declared: { payload: { selected: string[]; rule: 'greedy' } }[] }).declared.at(-1)!.payload;
    const t = fromPabulib(readPbFile(join(dir, pbFileName(SYNTHETIC_UNIT))));
    const direct = analyseFairness(t.instance, t.profile, { rule: declared.rule, selected: declared.selected, explanation: {} });
    expect(analysis).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(analysis.voters).toBe(40);
    const text = await plaza('verify', dir, '--analyse', '--no-progress');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^unit centre:\n {2}.* got at least one project they chose \(\d+ of 40\)/m);
    expect((await plaza('verify', dir, '--json', '--no-progress')).out).not.toMatch(/"analysis"/);
  });

  it("shows an Equal Shares result priceable by the run's own prices, checked against the bundle's ballots", async () => {
    const events = [...syntheticRound({ voters: 30, proposals: 6, seed: 11, rule: 'equalshares', budget: 50_000_00 })];
    const dir = join(root, 'bundle-mes');
    await writeSyntheticBundle(dir, events[0].roundId, events, { keys: generateLedgerKeyPair(), origin: 'plaza.test/ledger', othersBetween: 0, checkpointEvery: 16 });
    const json = JSON.parse((await plaza('verify', dir, '--json', '--analyse', '--no-progress')).out);
    expect(json.ok).toBe(true);
    const { analysis } = json.analysis[0];
    // Every voter starts with budget / n = 5,000,000 / 30 minor units.
    expect(analysis.priceability).toMatchObject({ status: 'priceable', method: 'equal-shares-run', voterBudget: '500000/3' });
    const declared = (JSON.parse(readFileSync(join(dir, RESULTS_FILE), 'utf8')) as { declared: { payload: { selected: string[] } }[] }).declared.at(-1)!.payload;
    expect(analysis.priceability.payments.map((p: { project: string }) => p.project)).toEqual(declared.selected);
    const text = await plaza('verify', dir, '--analyse', '--no-progress');
    expect(text.out).toMatch(/^ {2}Priceable \(the Equal Shares count itself shows how\): give every voter 1,666\.67 PLN/m);
  });
});
