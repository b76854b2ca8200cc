/**
 * Benjamini–Hochberg adjusted p-values (R's `p.adjust(p, "BH")`) over the entries that are not NaN;
 * NaN entries stay NaN and do not count in m.
 */
export function bhAdjust(p: ArrayLike<number>): Float64Array {
  const q = new Float64Array(p.length).fill(NaN);
  const idx: number[] = [];
  for (let i = 0; i < p.length; i++) if (!Number.isNaN(p[i])) idx.push(i);
  idx.sort((a, b) => p[b] - p[a]);
  const m = idx.length;
  let running = 1;
  idx.forEach((i, rankFromTop) => {
    running = Math.min(running, (m / (m - rankFromTop)) * p[i]);
    q[i] = running;
  });
  return q;
}
