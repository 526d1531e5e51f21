/** Registered voters and voters who voted in one age band (`unknown`: no birth year on the roll). */
export interface BandCount {
  readonly band: string;
  readonly registered: number;
  readonly voted: number;
}

/** A published band: a figure is null where it is suppressed (under the minimum cell, or giving such a cell away). */
export interface PublishedBand {
  readonly band: string;
  readonly registered: number | null;
  readonly voted: number | null;
  readonly turnout: number | null;
}

/** Cells under this many people are not published unless configured otherwise (AGE_BAND_MIN_CELL). */
export const DEFAULT_MIN_CELL = 10;

/** Share of `part` in `whole`, to 4 decimal places (a ratio for display, not money). */
function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

/**
 * Age-band figures safe to publish next to their totals (which are published too), with small cells suppressed:
 * - primary: a count under `minCell` (zero included: "nobody in this band voted" says something about each of
 *   them) is suppressed, and so is `voted` wherever `registered` is;
 * - complementary: in each column, a single suppressed cell could be recovered as the total minus the others, so
 *   the smallest other published cell of that column is suppressed too, until no column has exactly one.
 * Bands keep their order. Pure and deterministic: the API, the page and the close's ParticipationDeclared agree.
 */
export function suppressSmallCells(bands: readonly BandCount[], minCell: number = DEFAULT_MIN_CELL): PublishedBand[] {
  const registered = bands.map((b) => (b.registered < minCell ? null : b.registered));
  const voted = bands.map((b, i) => (registered[i] === null || b.voted < minCell ? null : b.voted));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [column, raw] of [
      [registered, (i: number) => bands[i].registered],
      [voted, (i: number) => bands[i].voted],
    ] as const) {
      const hidden = column.filter((v) => v === null).length;
      if (hidden !== 1) continue;
      let smallest = -1;
      column.forEach((v, i) => {
        if (v !== null && (smallest < 0 || raw(i) < raw(smallest))) smallest = i;
      });
      if (smallest < 0) continue;
      column[smallest] = null;
      if (column === registered) voted[smallest] = null;
      changed = true;
    }
  }
  return bands.map((b, i) => ({
    band: b.band,
    registered: registered[i],
    voted: voted[i],
    turnout: registered[i] === null || voted[i] === null ? null : ratio(b.voted, b.registered),
  }));
}
