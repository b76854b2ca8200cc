/**
 * Benjamini–Hochberg adjusted p-values (R's `p.adjust(p, "BH")`) over the entries that are not NaN;
 * NaN entries stay NaN and do not count in m.
 *
 * R takes the cumulative minimum of m / i · p_(i) from the largest p-value down. Tied p-values get the same
 * adjusted value whatever their order, so the adjusted value is a function of the p-value: it is computed over
 * the sorted values (a native sort of numbers, no comparator) and looked up for each entry by binary search.
 */
export function bhAdjust(p: ArrayLike<number>): Float64Array {
  const q = new Float64Array(p.length).fill(NaN);
  let m = 0;
  for (let i = 0; i < p.length; i++) if (!Number.isNaN(p[i])) m++;
  const sorted = new Float64Array(m);
  for (let i = 0, k = 0; i < p.length; i++) if (!Number.isNaN(p[i])) sorted[k++] = p[i];
  sorted.sort();
  const adjusted = new Float64Array(m);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    running = Math.min(running, (m / (k + 1)) * sorted[k]);
    adjusted[k] = running;
  }
  for (let i = 0; i < p.length; i++) if (!Number.isNaN(p[i])) q[i] = adjusted[lowerBound(sorted, p[i])];
  return q;
}

/** The first index of `sorted` (ascending) whose value is not below `value`. */
function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
