/**
 * Derivatives by central differences with Richardson extrapolation, as R's numDeriv does them (lmerTest takes the
 * Hessian of the deviance and the Jacobian of Var(β̂) this way): steps h_i = d·|x_i| (+ 1e-4 where x_i is near 0),
 * halved levels − 1 times, the O(h²) error terms eliminated between levels. numDeriv's d is 1e-4 for gradients
 * and Jacobians and 0.1 for Hessians: a second difference over a step of 1e-4·|x| is lost in rounding.
 */

/** numDeriv's default: 4 levels of Richardson's extrapolation. */
export const RICHARDSON_LEVELS = 4;

/** numDeriv's relative steps: `d` of grad/jacobian, and of hessian (genD). */
export const FIRST_DERIVATIVE_STEP = 1e-4;
export const HESSIAN_STEP = 0.1;

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

/** [k × k] Hessian of f at x, symmetric; `fx` = f(x) when the caller has it; `levels` and `d` as for gradient. */
export function hessian(f: (x: Float64Array) => number, x: ArrayLike<number>, fx = f(Float64Array.from(x)),
  levels = RICHARDSON_LEVELS, d = HESSIAN_STEP): Float64Array {
  const k = x.length;
  const at = Float64Array.from(x);
  const h2 = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      const estimates: number[] = [];
      for (let level = 0, hi = stepOf(x[i], d), hj = stepOf(x[j], d); level < levels; level++, hi /= 2, hj /= 2) {
        if (i === j) {
          at[i] = x[i] + hi;
          const up = f(at);
          at[i] = x[i] - hi;
          const down = f(at);
          at[i] = x[i];
          estimates.push((up - 2 * fx + down) / (hi * hi));
        } else {
          let s = 0;
          for (const [si, sj] of [[1, 1], [1, -1], [-1, 1], [-1, -1]]) {
            at[i] = x[i] + si * hi;
            at[j] = x[j] + sj * hj;
            s += si * sj * f(at);
          }
          at[i] = x[i];
          at[j] = x[j];
          estimates.push(s / (4 * hi * hj));
        }
      }
      const v = extrapolate(estimates);
      h2[i * k + j] = v;
      h2[j * k + i] = v;
    }
  }
  return h2;
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
      estimates.push(Float64Array.from(up, (u, r) => (u - down[r]) / (2 * h)));
    }
    for (let r = 0; r < m; r++) jac[r * k + i] = extrapolate(estimates.map((e) => e[r]));
  }
  return jac;
}
