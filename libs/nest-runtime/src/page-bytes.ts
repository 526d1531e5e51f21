/**
 * Public list pages are bounded in bytes as well as rows (issue #13): a page keeps rows while their JSON stays within
 * `maxBytes` (always at least one, so a page always moves on), and says whether it stopped early so the caller
 * points `next` at the first row left out.
 */
export const PUBLIC_PAGE_MAX_BYTES = 1024 * 1024;

export function capPageBytes<T>(rows: readonly T[], maxBytes = PUBLIC_PAGE_MAX_BYTES): { rows: T[]; cut: boolean } {
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(rows[i]) ?? 'null') + 1;
    if (bytes > maxBytes && i > 0) return { rows: rows.slice(0, i), cut: true };
  }
  return { rows: [...rows], cut: false };
}
