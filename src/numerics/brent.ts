/** Result of a one-dimensional minimisation. */
export interface MinimumResult {
  x: number;
  fx: number;
  evaluations: number;
  converged: boolean;
}

const GOLDEN = 0.5 * (3 - Math.sqrt(5));

/**
 * Brent's minimiser (golden section with parabolic steps; Brent 1973, `fmin`) of f on [a, b], to
 * |x − x*| ≤ 2·(√ε·|x| + tol/3). NaN values of f count as +∞. Converges on any continuous f; stops with
 * converged = false only after `maxEvaluations`.
 */
export function brentMinimize(f: (x: number) => number, a: number, b: number, tol: number, maxEvaluations = 200): MinimumResult {
  const value = (x: number): number => {
    const y = f(x);
    return Number.isNaN(y) ? Infinity : y;
  };
  const eps = Math.sqrt(Number.EPSILON);
  let v = a + GOLDEN * (b - a);
  let w = v;
  let x = v;
  let fx = value(x);
  let fv = fx;
  let fw = fx;
  let d = 0;
  let e = 0;
  let evaluations = 1;
  while (evaluations < maxEvaluations) {
    const xm = 0.5 * (a + b);
    const tol1 = eps * Math.abs(x) + tol / 3;
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) return { x, fx, evaluations, converged: true };
    let golden = true;
    if (Math.abs(e) > tol1) {
      let r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      else q = -q;
      r = e;
      e = d;
      if (Math.abs(p) < Math.abs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = xm >= x ? tol1 : -tol1;
        golden = false;
      }
    }
    if (golden) {
      e = (x >= xm ? a : b) - x;
      d = GOLDEN * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1);
    const fu = value(u);
    evaluations++;
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      v = w; fv = fw;
      w = x; fw = fx;
      x = u; fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w; fv = fw;
        w = u; fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u; fv = fu;
      }
    }
  }
  return { x, fx, evaluations, converged: false };
}

/** Result of a one-dimensional root search. */
export interface RootResult {
  x: number;
  evaluations: number;
  converged: boolean;
}

/**
 * Brent's root finder (`zeroin`, Brent 1973) for f on [a, b] with f(a) = fa and f(b) = fb of opposite signs:
 * bisection safeguarding secant and inverse quadratic steps, to |x − x*| ≤ 2ε|x| + tol/2.
 */
export function brentRoot(f: (x: number) => number, a: number, b: number, fa: number, fb: number, tol: number,
  maxEvaluations = 100): RootResult {
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  let evaluations = 0;
  for (;;) {
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tol;
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) return { x: b, evaluations, converged: true };
    if (evaluations >= maxEvaluations) return { x: b, evaluations, converged: false };
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      let p: number;
      let q: number;
      const s = fb / fa;
      if (a === c) {
        p = 2 * xm * s;
        q = 1 - s;
      } else {
        const qa = fa / fc;
        const r = fb / fc;
        p = s * (2 * xm * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * xm * q - Math.abs(tol1 * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : xm > 0 ? tol1 : -tol1;
    fb = f(b);
    evaluations++;
    if ((fb > 0 && fc > 0) || (fb <= 0 && fc <= 0)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
  }
}
