import fc from 'fast-check';
import { suppressSmallCells } from './participation';

describe('age-band figures with small cells suppressed', () => {
  it('publishes cells of at least k, suppresses smaller ones and the smallest cell that would give one away', () => {
    const bands = [
      { band: '18-29', registered: 40, voted: 12 },
      { band: '30-44', registered: 55, voted: 30 },
      { band: '45-64', registered: 60, voted: 3 },
      { band: '65+', registered: 8, voted: 8 },
    ];
    expect(suppressSmallCells(bands, 10)).toEqual([
      // Registered: 65+ (8) is under 10; alone it could be read off the total, so 18-29 (the smallest other) goes too.
      { band: '18-29', registered: null, voted: null, turnout: null },
      { band: '30-44', registered: 55, voted: 30, turnout: 0.5455 },
      { band: '45-64', registered: 60, voted: null, turnout: null },
      { band: '65+', registered: null, voted: null, turnout: null },
    ]);
    // Nobody voting in a large band is suppressed too: it would say something about every one of them.
    expect(suppressSmallCells([{ band: '18-29', registered: 30, voted: 0 }, { band: '30-44', registered: 30, voted: 20 }, { band: '65+', registered: 30, voted: 25 }], 10)).toEqual([
      { band: '18-29', registered: 30, voted: null, turnout: null },
      { band: '30-44', registered: 30, voted: null, turnout: null },
      { band: '65+', registered: 30, voted: 25, turnout: 0.8333 },
    ]);
    // k is configurable: with k = 1 only zeros are suppressed.
    expect(suppressSmallCells([{ band: '18-29', registered: 2, voted: 1 }, { band: '65+', registered: 3, voted: 2 }], 1)).toEqual([
      { band: '18-29', registered: 2, voted: 1, turnout: 0.5 },
      { band: '65+', registered: 3, voted: 2, turnout: 0.6667 },
    ]);
  });

  it('never publishes a cell under k, and never leaves a column with exactly one suppressed cell beside others', () => {
    const band = fc.record({ registered: fc.nat({ max: 60 }), voted: fc.nat({ max: 60 }) }).map((b) => ({ ...b, voted: Math.min(b.voted, b.registered) }));
    fc.assert(
      fc.property(fc.array(band, { minLength: 1, maxLength: 7 }), fc.integer({ min: 1, max: 20 }), (raw, k) => {
        const bands = raw.map((b, i) => ({ band: `b${i}`, ...b }));
        const out = suppressSmallCells(bands, k);
        for (const o of out) {
          if (o.registered !== null) expect(o.registered).toBeGreaterThanOrEqual(k);
          if (o.voted !== null) expect(o.voted).toBeGreaterThanOrEqual(k);
          if (o.registered === null) expect(o.voted).toBeNull();
        }
        for (const column of ['registered', 'voted'] as const) {
          const hidden = out.filter((o) => o[column] === null).length;
          if (out.length > 1) expect(hidden).not.toBe(1);
        }
      }),
    );
  });
});
