import { choleskyInPlace, choleskySolve } from '../../numerics/linalg.js';

/** How one optimisation went, as MixedModels.jl's OptSummary records it. */
export interface OptSummary {
  /** [K] θ where it started and where it ended (θ ≥ 0). */
  initial: Float64Array;
  final: Float64Array;
  /** The objective at `final`. */
  fmin: number;
  /** Objective evaluations, derivatives included. */
  evaluations: number;
  converged: boolean;
  /** Why it stopped: `converged`, `no descent` (a step that lowers the objective was not found) or `max iterations`. */
  returnCode: 'converged' | 'no descent' | 'max iterations';
}

/** A criterion over θ and its gradient; `gradient` fills `out` ([K]) at θ (NaN where the criterion is). */
export interface ThetaObjective {
  value(theta: Float64Array): number;
  gradient(theta: Float64Array, out: Float64Array): Float64Array;
}

const MAX_ITERATIONS = 200;
/** The forward-difference step of the starting Hessian, relative to max(1, |θ_k|). */
const HESSIAN_STEP = 1e-4;
/** The longest step, relative to max(1, |θ_k|). */
const MAX_RELATIVE_STEP = 4;
/** Stop when the Newton decrement −gᵀs falls below this (the objective is then within about half of it of the minimum). */
const DECREMENT_TOLERANCE = 1e-11;

/**
 * Minimises f(θ) over θ ≥ 0, for a criterion that depends on each θ_k only through θ_k² (lme4's profiled
 * criterion does): the box θ ≥ 0 is then the whole line folded at 0, so f is minimised over all of ℝ^K and |θ|
 * returned. A boundary optimum θ_k = 0 is an ordinary minimum there (zero slope, positive curvature), so a
 * quasi-Newton method converges to it as to any other. Newton steps on the analytic gradient, the Hessian forward
 * differences of the gradient while it is not positive definite (the step then solves with it shifted towards the
 * identity, Levenberg) and updated by BFGS from there on; each step is capped and backtracked. Where no step descends, the Hessian is
 * differenced afresh once before giving up; it always terminates. Coordinates with `fixed[k]` stay at their start
 * (θ_k = 0 for a term dropped from the model). `evaluations` counts values and gradients.
 */
export function minimizeTheta(f: ThetaObjective, start: ArrayLike<number>, fixed?: readonly boolean[]): OptSummary {
  const K = start.length;
  const free = Array.from({ length: K }, (_, k) => k).filter((k) => !fixed?.[k]);
  const k = free.length;
  const at = Float64Array.from(start);
  const full = new Float64Array(K);
  let evaluations = 0;
  const place = (x: Float64Array): Float64Array => {
    for (let i = 0; i < k; i++) at[free[i]] = x[i];
    return at;
  };
  const value = (x: Float64Array): number => {
    evaluations++;
    const v = f.value(place(x));
    return Number.isNaN(v) ? Infinity : v;
  };
  const gradient = (x: Float64Array): Float64Array => {
    evaluations++;
    f.gradient(place(x), full);
    return Float64Array.from(free, (j) => full[j]);
  };
  const differencedHessian = (x: Float64Array, g: Float64Array): Float64Array => {
    const h = new Float64Array(k * k);
    for (let j = 0; j < k; j++) {
      const step = HESSIAN_STEP * Math.max(1, Math.abs(x[j]));
      const moved = Float64Array.from(x);
      moved[j] += step;
      const gj = gradient(moved);
      for (let i = 0; i < k; i++) h[i * k + j] = (gj[i] - g[i]) / step;
    }
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < i; j++) h[i * k + j] = h[j * k + i] = (h[i * k + j] + h[j * k + i]) / 2;
    }
    return h;
  };
  let x: Float64Array = Float64Array.from(free, (i) => at[i]);
  let fx = value(x);
  let returnCode: OptSummary['returnCode'] = k === 0 ? 'converged' : 'max iterations';
  let g = k > 0 ? gradient(x) : new Float64Array(0);
  let h = k > 0 ? differencedHessian(x, g) : new Float64Array(0);
  let fresh = true;
  for (let iteration = 0; k > 0 && iteration < MAX_ITERATIONS; iteration++) {
    if (!g.every(Number.isFinite) || !h.every(Number.isFinite)) {
      returnCode = 'no descent';
      break;
    }
    const { step, shifted } = newtonStep(g, h, k);
    // θ_k is a ratio of standard deviations: a step longer than its size (or 1) is cut to that, then backtracked.
    let longest = 0;
    for (let i = 0; i < k; i++) longest = Math.max(longest, Math.abs(step[i]) / Math.max(1, Math.abs(x[i])));
    if (longest > MAX_RELATIVE_STEP) for (let i = 0; i < k; i++) step[i] *= MAX_RELATIVE_STEP / longest;
    let decrement = 0;
    for (let i = 0; i < k; i++) decrement -= g[i] * step[i];
    if (!(decrement > DECREMENT_TOLERANCE)) {
      returnCode = 'converged';
      break;
    }
    let t = 1;
    let accepted: Float64Array | undefined;
    let fNew = fx;
    for (let tries = 0; tries < 40; tries++, t /= 2) {
      const candidate = Float64Array.from(x, (xi, i) => xi + t * step[i]);
      const fc = value(candidate);
      if (fc <= fx - 1e-4 * t * decrement) {
        accepted = candidate;
        fNew = fc;
        break;
      }
    }
    if (accepted === undefined) {
      if (!fresh) {
        h = differencedHessian(x, g);
        fresh = true;
        continue;
      }
      returnCode = decrement < 1e-8 ? 'converged' : 'no descent';
      break;
    }
    const gNew = gradient(accepted);
    // BFGS keeps a positive definite Hessian so; where it was not (far from the optimum), it is differenced again.
    if (shifted) {
      h = differencedHessian(accepted, gNew);
      fresh = true;
    } else {
      updateBfgs(h, Float64Array.from(accepted, (a, i) => a - x[i]), Float64Array.from(gNew, (gi, i) => gi - g[i]), k);
      fresh = false;
    }
    x = accepted;
    fx = fNew;
    g = gNew;
  }
  const final = Float64Array.from(place(x), Math.abs);
  return {
    initial: Float64Array.from(start), final, fmin: fx, evaluations, converged: returnCode === 'converged', returnCode,
  };
}

/** BFGS's update of the Hessian approximation h ([k × k]) by the step s and the change y of the gradient along it. */
function updateBfgs(h: Float64Array, s: Float64Array, y: Float64Array, k: number): void {
  let ys = 0;
  let ss = 0;
  let yy = 0;
  for (let i = 0; i < k; i++) {
    ys += y[i] * s[i];
    ss += s[i] * s[i];
    yy += y[i] * y[i];
  }
  // Skipped where the curvature along s is not positive (it would break positive definiteness).
  if (!(ys > 1e-10 * Math.sqrt(ss * yy))) return;
  const hs = new Float64Array(k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) hs[i] += h[i * k + j] * s[j];
  let shs = 0;
  for (let i = 0; i < k; i++) shs += s[i] * hs[i];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) h[i * k + j] += (y[i] * y[j]) / ys - (shs > 0 ? (hs[i] * hs[j]) / shs : 0);
  }
}

/**
 * s = −(H + μI)⁻¹ g with the smallest μ ≥ 0 (0, then growing from 1e-8·max|H_ii|) that makes H + μI positive
 * definite; `shifted` where μ > 0.
 */
function newtonStep(g: Float64Array, h: Float64Array, k: number): { step: Float64Array; shifted: boolean } {
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(h[i * k + i]));
  const work = new Float64Array(k * k);
  for (let mu = 0; ; mu = mu === 0 ? 1e-8 * Math.max(scale, 1) : mu * 10) {
    work.set(h);
    for (let i = 0; i < k; i++) work[i * k + i] += mu;
    if (!work.every(Number.isFinite)) break;
    // A shift that leaves H + μI barely positive definite (μ just past −λ_min) would give a huge step.
    if (choleskyInPlace(work, k) && minPivotSquared(work, k) > 1e-6 * Math.max(scale, mu, 1e-300)) {
      const step = Float64Array.from(g, (gi) => -gi);
      choleskySolve(work, k, k, step);
      return { step, shifted: mu > 0 };
    }
    if (mu > 1e12 * Math.max(scale, 1)) break;
  }
  return { step: Float64Array.from(g, (gi) => -gi), shifted: true }; // steepest descent where the derivatives are not finite
}

function minPivotSquared(l: Float64Array, k: number): number {
  let min = Infinity;
  for (let i = 0; i < k; i++) min = Math.min(min, l[i * k + i] * l[i * k + i]);
  return min;
}
