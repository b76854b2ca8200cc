import { gradient, hessian } from '../../numerics/finite-differences.js';
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

const MAX_ITERATIONS = 100;
/** The Newton step's Hessian: one level of second differences over 1e-3·|θ|, accurate to about 1e-6 relative. */
const NEWTON_HESSIAN_STEP = 1e-3;
/** The longest Newton step, relative to max(1, |θ_k|). */
const MAX_RELATIVE_STEP = 4;
/** Stop when the Newton decrement −gᵀs falls below this (the objective is then within about half of it of the minimum). */
const DECREMENT_TOLERANCE = 1e-11;

/**
 * Minimises f(θ) over θ ≥ 0, for a criterion that depends on each θ_k only through θ_k² (lme4's profiled
 * criterion does): the box θ ≥ 0 is then the whole line folded at 0, so f is minimised over all of ℝ^K and |θ|
 * returned. A boundary optimum θ_k = 0 is an ordinary minimum there (zero slope, positive curvature), so Newton's
 * method converges to it as to any other. Newton steps on central-difference derivatives, the Hessian shifted
 * towards the identity where it is not positive definite (Levenberg), with a backtracking line search; it
 * always terminates. Coordinates with `fixed[k]` stay at their start (θ_k = 0 for a term dropped from the model).
 */
export function minimizeTheta(f: (theta: Float64Array) => number, start: ArrayLike<number>, fixed?: readonly boolean[]): OptSummary {
  const K = start.length;
  const free = Array.from({ length: K }, (_, k) => k).filter((k) => !fixed?.[k]);
  const k = free.length;
  const theta = Float64Array.from(start);
  let evaluations = 0;
  const fFree = (x: Float64Array): number => {
    evaluations++;
    const at = Float64Array.from(theta);
    for (let i = 0; i < k; i++) at[free[i]] = x[i];
    const v = f(at);
    return Number.isNaN(v) ? Infinity : v;
  };
  let x: Float64Array = Float64Array.from(free, (i) => theta[i]);
  let fx = fFree(x);
  let returnCode: OptSummary['returnCode'] = k === 0 ? 'converged' : 'max iterations';
  for (let iteration = 0; k > 0 && iteration < MAX_ITERATIONS; iteration++) {
    const g = gradient(fFree, x, 1);
    const h = hessian(fFree, x, fx, 1, NEWTON_HESSIAN_STEP);
    const step = newtonStep(g, h, k);
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
      const fc = fFree(candidate);
      if (fc <= fx - 1e-4 * t * decrement) {
        accepted = candidate;
        fNew = fc;
        break;
      }
    }
    if (accepted === undefined) {
      returnCode = decrement < 1e-8 ? 'converged' : 'no descent';
      break;
    }
    x = accepted;
    fx = fNew;
  }
  for (let i = 0; i < k; i++) theta[free[i]] = Math.abs(x[i]);
  return {
    initial: Float64Array.from(start), final: theta, fmin: fx, evaluations, converged: returnCode === 'converged', returnCode,
  };
}

/** s = −(H + μI)⁻¹ g with the smallest μ ≥ 0 (0, then growing from 1e-8·max|H_ii|) that makes H + μI positive definite. */
function newtonStep(g: Float64Array, h: Float64Array, k: number): Float64Array {
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(h[i * k + i]));
  const work = new Float64Array(k * k);
  for (let mu = 0; ; mu = mu === 0 ? 1e-8 * Math.max(scale, 1) : mu * 10) {
    work.set(h);
    for (let i = 0; i < k; i++) work[i * k + i] += mu;
    if (!work.every(Number.isFinite)) break;
    // A shift that leaves H + μI barely positive definite (μ just past −λ_min) would give a huge step.
    if (choleskyInPlace(work, k) && minPivotSquared(work, k) > 1e-6 * Math.max(scale, mu, 1e-300)) {
      const s = Float64Array.from(g, (gi) => -gi);
      choleskySolve(work, k, k, s);
      return s;
    }
    if (mu > 1e12 * Math.max(scale, 1)) break;
  }
  return Float64Array.from(g, (gi) => -gi); // steepest descent where the derivatives are not finite
}

function minPivotSquared(l: Float64Array, k: number): number {
  let min = Infinity;
  for (let i = 0; i < k; i++) min = Math.min(min, l[i * k + i] * l[i * k + i]);
  return min;
}
