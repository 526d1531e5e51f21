import { capPageBytes } from './page-bytes';

describe('capPageBytes', () => {
  const row = (i: number) => ({ index: i, text: 'x'.repeat(90) });

  it('keeps every row of a page within the byte cap', () => {
    const rows = [row(0), row(1), row(2)];
    expect(capPageBytes(rows, 10_000)).toEqual({ rows, cut: false });
  });

  it('stops before the row that would pass the cap, and says so', () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(i));
    const size = Buffer.byteLength(JSON.stringify(row(0))) + 1;
    const { rows: kept, cut } = capPageBytes(rows, size * 3 + 5);
    expect(kept.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(cut).toBe(true);
  });

  it('always keeps the first row, however large, so paging moves on', () => {
    const big = { index: 0, text: 'y'.repeat(5000) };
    expect(capPageBytes([big, row(1)], 100)).toEqual({ rows: [big], cut: true });
  });
});
