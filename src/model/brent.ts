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
