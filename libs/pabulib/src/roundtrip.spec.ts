import fc from 'fast-check';
import { PbDecimal } from './decimal';
import { parsePb, PbDocument, PbLineEnding, writePb } from './document';
import { fromElection, PbElection, PbProject, PbVote, PbVoteType, toElection } from './election';

// Characters that stress the format: separators, quotes, list commas, spaces (trimmed when unquoted), non-ASCII.
const CHARS = ['a', 'b', 'Z', '0', '7', ';', '"', ',', ' ', '\t', '/', '.', '-', 'ż', 'Ł', 'é', '€', '😀'];
const cellArb = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 12 });
const nameArb = cellArb.filter((s) => s !== '' && s !== '__proto__');
const lineEndingArb = fc.constantFrom<PbLineEnding>('\n', '\r\n');

function tableArb() {
  return fc.uniqueArray(nameArb, { minLength: 1, maxLength: 5 }).chain((columns) =>
    fc.record({
      columns: fc.constant(columns),
      rows: fc.array(
        fc.tuple(...columns.map(() => cellArb)).map((cells) => Object.fromEntries(columns.map((c, i) => [c, cells[i]]))),
        { maxLength: 8 },
      ),
    }),
  );
}

const documentArb: fc.Arbitrary<PbDocument> = fc
  .record({
    meta: fc.uniqueArray(fc.tuple(nameArb, cellArb), { maxLength: 6, selector: ([k]) => k }).map((entries) => new Map(entries)),
    projects: tableArb(),
    votes: tableArb(),
    lineEnding: lineEndingArb,
    finalNewline: fc.boolean(),
    bom: fc.boolean(),
  })
  .map(({ bom, ...doc }) => (bom ? { ...doc, bom: true } : doc));

// Ids: any characters but commas (ballots list ids with commas), no surrounding spaces (list items are trimmed).
const idArb = fc
  .string({ unit: fc.constantFrom(...CHARS.filter((c) => c !== ',')), minLength: 1, maxLength: 10 })
  .filter((s) => s.trim() === s && s !== '');
const listItemArb = fc.string({ unit: fc.constantFrom(...CHARS.filter((c) => c !== ',')), minLength: 1, maxLength: 8 }).filter((s) => s.trim() === s && s !== '');
const decimalArb = (min = 0n): fc.Arbitrary<PbDecimal> =>
  fc.record({ units: fc.bigInt({ min, max: 10n ** 20n }), scale: fc.integer({ min: 0, max: 4 }) });
const EXTRA_PROJECT_COLUMNS = ['latitude', 'proposer', 'x;y', 'say "hi"', 'neighborhood'];
const EXTRA_VOTE_COLUMNS = ['age', 'sex', 'voting_method', 'a,b'];

const electionArb: fc.Arbitrary<PbElection> = fc
  .record({
    voteType: fc.constantFrom<PbVoteType>('approval', 'ordinal', 'cumulative', 'choose-1', 'scoring'),
    rule: fc.constantFrom('greedy', 'equalshares/add1', 'unknown'),
    budget: decimalArb(),
    has: fc.record({ name: fc.boolean(), votes: fc.boolean(), score: fc.boolean(), selected: fc.boolean() }),
    projectExtras: fc.subarray(EXTRA_PROJECT_COLUMNS),
    voteExtras: fc.subarray(EXTRA_VOTE_COLUMNS),
    projects: fc.uniqueArray(
      fc.record({
        id: idArb,
        cost: decimalArb(),
        categories: fc.array(listItemArb, { maxLength: 3 }),
        beneficiaries: fc.array(listItemArb, { maxLength: 3 }),
        name: cellArb,
        votes: fc.nat(),
        score: decimalArb(),
        selected: cellArb,
        extras: fc.array(cellArb, { minLength: EXTRA_PROJECT_COLUMNS.length, maxLength: EXTRA_PROJECT_COLUMNS.length }),
      }),
      { minLength: 1, maxLength: 8, selector: (p) => p.id },
    ),
    voters: fc.uniqueArray(
      fc.record({
        voterId: idArb,
        picks: fc.array(fc.nat(), { maxLength: 8 }),
        points: fc.array(decimalArb(), { minLength: 8, maxLength: 8 }),
        extras: fc.array(cellArb, { minLength: EXTRA_VOTE_COLUMNS.length, maxLength: EXTRA_VOTE_COLUMNS.length }),
      }),
      { maxLength: 8, selector: (v) => v.voterId },
    ),
    meta: fc.uniqueArray(fc.tuple(nameArb, cellArb), { maxLength: 4, selector: ([k]) => k }),
  })
  .map((g) => {
    const projects: PbProject[] = g.projects.map((s) => {
      const p: PbProject = { id: s.id, cost: s.cost, categories: s.categories, beneficiaries: s.beneficiaries, extra: {} };
      if (g.has.name) p.name = s.name;
      if (g.has.votes) p.votes = s.votes;
      if (g.has.score) p.score = s.score;
      if (g.has.selected) p.selected = s.selected;
      g.projectExtras.forEach((c) => (p.extra[c] = s.extras[EXTRA_PROJECT_COLUMNS.indexOf(c)]));
      return p;
    });
    const ids = projects.map((p) => p.id);
    const withPoints = g.voteType === 'cumulative' || g.voteType === 'scoring';
    const votes: PbVote[] = g.voters.map((s) => {
      // Picks index the projects; the ballot keeps the first occurrence of each, in pick order.
      let ballot = [...new Set(s.picks.map((k) => ids[k % ids.length]))];
      if (g.voteType === 'choose-1') ballot = [ids[(s.picks[0] ?? 0) % ids.length]];
      const v: PbVote = { voterId: s.voterId, projects: ballot, extra: {} };
      if (withPoints) v.points = s.points.slice(0, ballot.length);
      g.voteExtras.forEach((c) => (v.extra[c] = s.extras[EXTRA_VOTE_COLUMNS.indexOf(c)]));
      return v;
    });
    // Keys that fromElection derives from typed fields are left to it.
    const derived = new Set(['num_projects', 'num_votes', 'budget', 'vote_type', 'rule', 'description', 'country', 'unit', 'subunit', 'instance', 'currency', 'comment']);
    const meta = new Map(g.meta.filter(([k]) => !derived.has(k) && !/_(length|cost|points|threshold|score|fn)$|^(neighborhoods|categories|budget_per_)/.test(k)));
    return { meta, voteType: g.voteType, rule: g.rule, budget: g.budget, projects, votes };
  });

function withoutPositions(doc: PbDocument): Omit<PbDocument, 'positions'> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { positions, ...rest } = doc;
  return rest;
}

describe('round trip properties', () => {
  it('format level: parsePb(writePb(doc)) is doc, and writing again gives the same text', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const text = writePb(doc);
        const back = parsePb(text);
        expect(withoutPositions(back)).toEqual(doc);
        expect(writePb(back)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('typed level: toElection(parsePb(writePb(fromElection(e)))) is e', () => {
    fc.assert(
      fc.property(electionArb, lineEndingArb, fc.boolean(), (e, lineEnding, finalNewline) => {
        const text = writePb(fromElection(e, { lineEnding, finalNewline }));
        const back = toElection(parsePb(text));
        expect(back.voteType).toBe(e.voteType);
        expect(back.rule).toBe(e.rule);
        expect(back.budget).toEqual(e.budget);
        expect(back.projects).toEqual(e.projects);
        expect(back.votes).toEqual(e.votes);
        for (const [k, v] of e.meta) expect(back.meta.get(k)).toBe(v);
        expect(back.meta.get('num_votes')).toBe(String(e.votes.length));
        expect(back.layout?.lineEnding).toBe(lineEnding);
        // And the typed view writes back to the same bytes.
        expect(writePb(fromElection(back))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});
