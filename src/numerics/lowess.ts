/**
 * R's `lowess(x, y, f, iter = 3, delta = 0.01 · diff(range(x)))` (Cleveland 1979; R's clowess in
 * src/library/stats/src/lowess.c): locally weighted linear regression with tricube weights over the nearest
 * ⌊f·n⌋ points, then `iter` robustness iterations with bisquare weights of the residuals over 6 MAD. Points closer
 * than `delta` to the last fitted one are interpolated rather than fitted. The same steps and tests as R's, so the
 * curve is R's to rounding.
 */

/** The smoothed curve: x sorted ascending (stably, as R's order()), and the fitted y at each. */
export interface Curve {
  x: Float64Array;
  y: Float64Array;
}

/** lowess of the points (x[i], y[i]) with span `f` (R's default 2/3; voom's 0.5). */
export function lowess(x: ArrayLike<number>, y: ArrayLike<number>, f = 2 / 3, iter = 3): Curve {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  const xs = Float64Array.from(order, (i) => x[i]);
  const ysIn = Float64Array.from(order, (i) => y[i]);
  const fitted = new Float64Array(n);
  if (n < 2) {
    fitted.set(ysIn);
    return { x: xs, y: fitted };
  }
  const delta = 0.01 * (xs[n - 1] - xs[0]);
  const ns = Math.max(2, Math.min(n, Math.trunc(f * n + 1e-7)));
  const robustness = new Float64Array(n);
  const residuals = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let step = 1; step <= iter + 1; step++) {
    let nleft = 0;
    let nright = ns - 1;
    let last = -1; // the previous point fitted
    let i = 0; // the point being fitted
    for (;;) {
      if (nright < n - 1) {
        // Move the window right while that brings its farther end nearer.
        const d1 = xs[i] - xs[nleft];
        const d2 = xs[nright + 1] - xs[i];
        if (d1 > d2) {
          nleft++;
          nright++;
          continue;
        }
      }
      const value = localFit(xs, ysIn, xs[i], nleft, nright, weights, step > 1 ? robustness : undefined);
      fitted[i] = value ?? ysIn[i];
      if (last < i - 1) {
        // Points skipped within delta: interpolated between the two fitted ones.
        const denominator = xs[i] - xs[last];
        for (let j = last + 1; j < i; j++) {
          const alpha = (xs[j] - xs[last]) / denominator;
          fitted[j] = alpha * fitted[i] + (1 - alpha) * fitted[last];
        }
      }
      last = i;
      const cut = xs[last] + delta;
      for (i = last + 1; i < n; i++) {
        if (xs[i] > cut) break;
        if (xs[i] === xs[last]) {
          fitted[i] = fitted[last];
          last = i;
        }
      }
      i = Math.max(last + 1, i - 1);
      if (last >= n - 1) break;
    }
    for (let k = 0; k < n; k++) residuals[k] = ysIn[k] - fitted[k];
    if (step > iter) break;
    let scale = 0;
    for (let k = 0; k < n; k++) scale += Math.abs(residuals[k]);
    scale /= n;
    const sorted = Float64Array.from(residuals, Math.abs).sort();
    const m1 = Math.floor(n / 2);
    const cmad = n % 2 === 0 ? 3 * (sorted[m1] + sorted[n - m1 - 1]) : 6 * sorted[m1];
    if (cmad < 1e-7 * scale) break; // the residuals are effectively 0
    const c9 = 0.999 * cmad;
    const c1 = 0.001 * cmad;
    for (let k = 0; k < n; k++) {
      const r = Math.abs(residuals[k]);
      robustness[k] = r <= c1 ? 1 : r <= c9 ? square(1 - square(r / cmad)) : 0;
    }
  }
  return { x: xs, y: fitted };
}

/**
 * The weighted linear fit at `at` over the points nleft..nright (and ties beyond nright), tricube weights of the
 * distance over the window's radius, times the robustness weights after the first pass (R's `lowest`); undefined
 * where every weight is 0.
 */
function localFit(x: Float64Array, y: Float64Array, at: number, nleft: number, nright: number, w: Float64Array,
  robustness: Float64Array | undefined): number | undefined {
  const n = x.length;
  const range = x[n - 1] - x[0];
  const h = Math.max(at - x[nleft], x[nright] - at);
  const h9 = 0.999 * h;
  const h1 = 0.001 * h;
  let a = 0;
  let j = nleft;
  for (; j < n; j++) {
    w[j] = 0;
    const r = Math.abs(x[j] - at);
    if (r <= h9) {
      w[j] = r <= h1 ? 1 : cube(1 - cube(r / h));
      if (robustness !== undefined) w[j] *= robustness[j];
      a += w[j];
    } else if (x[j] > at) break;
  }
  const nrt = j - 1; // the rightmost point used: ties beyond nright included
  if (a <= 0) return undefined;
  for (j = nleft; j <= nrt; j++) w[j] /= a;
  if (h > 0) {
    let centre = 0;
    for (j = nleft; j <= nrt; j++) centre += w[j] * x[j];
    let b = at - centre;
    let c = 0;
    for (j = nleft; j <= nrt; j++) c += w[j] * square(x[j] - centre);
    if (Math.sqrt(c) > 0.001 * range) {
      // Spread enough for a slope.
      b /= c;
      for (j = nleft; j <= nrt; j++) w[j] *= b * (x[j] - centre) + 1;
    }
  }
  let value = 0;
  for (j = nleft; j <= nrt; j++) value += w[j] * y[j];
  return value;
}

/** x², x³ as R's clowess multiplies them (JavaScript's ** need not round alike in every engine). */
function square(x: number): number {
  return x * x;
}

function cube(x: number): number {
  return x * x * x;
}

/**
 * R's `approxfun(curve, rule = 2)` at `at`: linear interpolation between the curve's points (the y of tied x
 * averaged, approxfun's `ties = mean`), constant beyond its ends. `curve.x` ascending.
 */
export function interpolator(curve: Curve): (at: number) => number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < curve.x.length;) {
    let j = i;
    let sum = 0;
    for (; j < curve.x.length && curve.x[j] === curve.x[i]; j++) sum += curve.y[j];
    xs.push(curve.x[i]);
    ys.push(sum / (j - i));
    i = j;
  }
  const last = xs.length - 1;
  return (at: number): number => {
    if (!(at > xs[0])) return Number.isNaN(at) ? NaN : ys[0];
    if (at >= xs[last]) return ys[last];
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= at) lo = mid;
      else hi = mid;
    }
    return ys[lo] + ((ys[hi] - ys[lo]) * (at - xs[lo])) / (xs[hi] - xs[lo]);
  };
}
