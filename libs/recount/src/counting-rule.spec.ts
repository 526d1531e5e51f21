import type { RoundConfig } from '@plaza/contracts';
import fc from 'fast-check';
import { canonicalDigestJson, sha256Hex } from './compute-unit-result';
import { ballotCommitment, countBallots, type CastRecord, type CountingRound, type OpenResult } from './counting-rule';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';

function round(paperPolicy: RoundConfig['eligibility']['paperPolicy'], registered: (string | undefined)[]): CountingRound {
  return {
    config: {
      units: [
        { id: 'north', name: 'North', kind: 'district', budget: 100 },
        { id: 'south', name: 'South', kind: 'district', budget: 100 },
        { id: 'green', name: 'Green', kind: 'category', budget: 100 },
      ],
      eligibility: { mode: 'roll', paperPolicy },
    },
    registeredUnit: (voter) => registered[voter],
    onBallot: () => new Set([A, B]),
  };
}

let n = 0;
const cast = (voter: number, unitId: string, channel: 'online' | 'paper' = 'online'): CastRecord => ({
  voter,
  voterPseudonym: String(voter).repeat(64).slice(0, 64),
  eventId: `e${n++}`,
  unitId,
  channel,
});
const openAll = (): OpenResult => ({ ok: true, content: { choices: [A] } });
const countedIds = (o: ReturnType<typeof countBallots>) => [...o.counted.values()].flat().map((b) => b.eventId);

describe('the counting rule', () => {
  it('counts the latest version per voter and unit; earlier versions are superseded and never selected for opening', () => {
    const first = cast(0, 'north');
    const second = cast(0, 'north');
    const green = cast(0, 'green');
    const o = countBallots(round('refuse-if-voted-online', ['north']), [first, green, second], openAll);
    expect(countedIds(o).sort()).toEqual([second.eventId, green.eventId].sort());
    expect(o.superseded).toEqual([first]);
    expect(o.selected.map((c) => c.eventId).sort()).toEqual([second.eventId, green.eventId].sort());
  });

  it('a voter moved to another district during voting who voted in both counts once, in the district of the close', () => {
    const old = cast(0, 'north');
    const moved = cast(0, 'south');
    const o = countBallots(round('refuse-if-voted-online', ['south']), [old, moved], openAll);
    expect(countedIds(o)).toEqual([moved.eventId]);
    expect(o.excluded).toEqual([{ cast: old, kind: 'ineligible', reason: expect.stringContaining('registered in south voted in district north') }]);
    // Not selected, so never opened: a ballot that does not count stays sealed.
    expect(o.selected).toEqual([moved]);
  });

  it('applies the paper policy: paper is final; under refuse-if-voted-online paper does not replace online; under paper-overrides-online it does', () => {
    const online = cast(0, 'north');
    const paper = cast(0, 'north', 'paper');
    const later = cast(0, 'north');
    expect(countedIds(countBallots(round('refuse-if-voted-online', ['north']), [online, paper], openAll))).toEqual([online.eventId]);
    expect(countedIds(countBallots(round('paper-overrides-online', ['north']), [online, paper], openAll))).toEqual([paper.eventId]);
    const final = countBallots(round('paper-overrides-online', ['north']), [paper, later], openAll);
    expect(countedIds(final)).toEqual([paper.eventId]);
    expect(final.excluded[0]).toMatchObject({ cast: later, kind: 'channel' });
  });

  it('counts a selected ballot only once opened, with a matching opening, naming proposals on the ballot', () => {
    const [x, y, z, w] = [cast(0, 'north'), cast(1, 'north'), cast(2, 'north'), cast(3, 'north')];
    const o = countBallots(round('refuse-if-voted-online', ['north', 'north', 'north', undefined]), [x, y, z, w], (c) =>
      c === x ? { ok: true, content: { choices: [A] } } : c === y ? undefined : c === z ? { ok: false, reason: 'bad' } : { ok: true, content: { choices: [A] } },
    );
    expect(countedIds(o)).toEqual([x.eventId]);
    expect(o.excluded.map((e) => [e.cast.eventId, e.kind])).toEqual([
      [y.eventId, 'unopened'],
      [z.eventId, 'bad-opening'],
      [w.eventId, 'ineligible'],
    ]);
    // The unregistered voter's ballot is not selected: nothing to open.
    expect(o.selected).toEqual([x, y, z]);
  });
});

describe('ballot commitments', () => {
  const ballotId = '01900000-0000-7000-8000-0000000000b1';
  const salt = '5a'.repeat(32);
  it('hash RFC 8785 canonical JSON of {ballotId, choices, domain, points?, salt} (known answer)', () => {
    const { createHash } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const text = `{"ballotId":"${ballotId}","choices":["${A}","${B}"],"domain":"plaza.ballot/1","points":[2,1],"salt":"${salt}"}`;
    expect(ballotCommitment({ ballotId, choices: [A, B], points: [2, 1], salt })).toBe(createHash('sha256').update(text).digest('hex'));
  });
  it('equal the hash of the generic RFC 8785 writer on any content, odd strings included', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string({ unit: 'grapheme' })), fc.option(fc.array(fc.integer({ min: 1, max: 10 ** 9 })), { nil: undefined }), fc.string(), (id, choices, points, s) => {
        const generic = sha256Hex(canonicalDigestJson({ ballotId: id, choices, domain: 'plaza.ballot/1', ...(points !== undefined ? { points } : {}), salt: s }));
        expect(ballotCommitment({ ballotId: id, choices, ...(points !== undefined ? { points } : {}), salt: s })).toBe(generic);
      }),
      { numRuns: 500 },
    );
  });

  it('bind the order, the points, the ballot and the salt', () => {
    const c = ballotCommitment({ ballotId, choices: [A, B], salt });
    expect(ballotCommitment({ ballotId, choices: [B, A], salt })).not.toBe(c);
    expect(ballotCommitment({ ballotId, choices: [A, B], points: [1, 1], salt })).not.toBe(c);
    expect(ballotCommitment({ ballotId: ballotId.replace('b1', 'b2'), choices: [A, B], salt })).not.toBe(c);
    expect(ballotCommitment({ ballotId, choices: [A, B], salt: '5b'.repeat(32) })).not.toBe(c);
  });
});
