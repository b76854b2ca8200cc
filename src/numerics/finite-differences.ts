/**
 * Derivatives by central differences with Richardson extrapolation, as R's numDeriv does them (lmerTest takes the
 * Jacobian of Var(β̂) this way): steps h_i = d·|x_i| (+ 1e-4 where x_i is near 0), halved levels − 1 times, the
 * O(h²) error terms eliminated between levels. One level is plain central differences, accurate to about d²
 * relative; the Hessians genelmm needs are Jacobians of analytic gradients.
 */

/** numDeriv's default: 4 levels of Richardson's extrapolation. */
export const RICHARDSON_LEVELS = 4;

/** numDeriv's relative step `d` of grad and jacobian. */
export const FIRST_DERIVATIVE_STEP = 1e-4;

/** numDeriv's zero.tol = √(ε / 7e-7): below it, a coordinate gets the absolute step eps = 1e-4 added. */
const ZERO_TOL = Math.sqrt(2.220446049250313e-16 / 7e-7);

function stepOf(x: number, d: number): number {
  return d * Math.abs(x) + (Math.abs(x) < ZERO_TOL ? 1e-4 : 0);
}

/** Richardson's extrapolation of estimates a[0..] made with steps h, h/2, h/4, … (error ∝ h²). */
function extrapolate(a: number[]): number {
  for (let level = 1; level < a.length; level++) {
    const f = 4 ** level;
    for (let i = 0; i < a.length - level; i++) a[i] = (f * a[i + 1] - a[i]) / (f - 1);
  }
  return a[0];
}

/** [k] gradient of f at x (k = x.length); `levels` 1 is plain central differences. */
export function gradient(f: (x: Float64Array) => number, x: ArrayLike<number>, levels = RICHARDSON_LEVELS,
  d = FIRST_DERIVATIVE_STEP): Float64Array {
  return jacobian((at) => Float64Array.of(f(at)), x, 1, levels, d);
}

/** [m × k] Jacobian of the vector function f ([m] values) at x; `levels` as for gradient. */
export function jacobian(f: (x: Float64Array) => Float64Array, x: ArrayLike<number>, m: number,
  levels = RICHARDSON_LEVELS, d = FIRST_DERIVATIVE_STEP): Float64Array {
  const k = x.length;
  const at = Float64Array.from(x);
  const jac = new Float64Array(m * k);
  for (let i = 0; i < k; i++) {
    const estimates: Float64Array[] = [];
    for (let level = 0, h = stepOf(x[i], d); level < levels; level++, h /= 2) {
      at[i] = x[i] + h;
      const up = f(at);
      at[i] = x[i] - h;
      const down = f(at);
      at[i] = x[i];
      const estimate = new Float64Array(m);
      for (let r = 0; r < m; r++) estimate[r] = (up[r] - down[r]) / (2 * h);
      estimates.push(estimate);
    }
    for (let r = 0; r < m; r++) jac[r * k + i] = extrapolate(estimates.map((e) => e[r]));
  }
  return jac;
}
