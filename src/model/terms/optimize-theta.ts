import { choleskyInPlace, choleskySolve, symmetrizeInPlace } from '../../numerics/linalg.js';
import { symmetricEigen } from '../../numerics/symmetric-eigen.js';
import { SINGULAR_THETA } from '../lambda-search.js';

/** How one optimisation went, as MixedModels.jl's OptSummary records it. */
export interface OptSummary {
  /** [K] θ where it started and where it ended (θ ≥ 0). */
  initial: Float64Array;
  final: Float64Array;
  /** The objective at `final`. */
  fmin: number;
  /** [K × K] the Hessian (BFGS's approximation) at `final` over the free coordinates, 0 where either is fixed. */
  hessian: Float64Array;
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
 * differences of the gradient while it is not positive definite (the step then saddle-free, see newtonStep) and
 * updated by BFGS from there on; each step is capped and backtracked. Where no step descends, the Hessian is
 * differenced afresh once before giving up; it always terminates. Coordinates with `fixed[k]` stay at their start
 * (θ_k = 0 for a term dropped from the model). `evaluations` counts values and gradients. `hessian` ([K × K]), a
 * Hessian near the start (that of an earlier fit), replaces the differenced one where it is positive definite.
 */
export function minimizeTheta(f: ThetaObjective, start: ArrayLike<number>, fixed?: readonly boolean[],
  hessian?: Float64Array): OptSummary {
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
  // (Typed arrays are filled by loops here: Float64Array.from with a mapping function costs about 1 µs a call.)
  const gradient = (x: Float64Array): Float64Array => {
    evaluations++;
    f.gradient(place(x), full);
    const g = new Float64Array(k);
    for (let i = 0; i < k; i++) g[i] = full[free[i]];
    return g;
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
    return symmetrizeInPlace(h, k);
  };
  let x: Float64Array = Float64Array.from(free, (i) => at[i]);
  let fx = value(x);
  let returnCode: OptSummary['returnCode'] = k === 0 ? 'converged' : 'max iterations';
  let g = k > 0 ? gradient(x) : new Float64Array(0);
  const given = hessian && Float64Array.from({ length: k * k }, (_, ij) => hessian[free[Math.floor(ij / k)] * K + free[ij % k]]);
  let fresh = !(given && k > 0 && choleskyInPlace(Float64Array.from(given), k));
  let h = !fresh ? given! : k > 0 ? differencedHessian(x, g) : new Float64Array(0);
  for (let iteration = 0; k > 0 && iteration < MAX_ITERATIONS; iteration++) {
    if (!g.every(Number.isFinite) || !h.every(Number.isFinite)) {
      returnCode = 'no descent';
      break;
    }
    const { step, indefinite } = newtonStep(g, h, k, x);
    // θ_k is a ratio of standard deviations: a step longer than its size (or 1) is cut to that, then backtracked.
    let longest = 0;
    for (let i = 0; i < k; i++) longest = Math.max(longest, Math.abs(step[i]) / Math.max(1, Math.abs(x[i])));
    if (longest > MAX_RELATIVE_STEP) {
      for (let i = 0; i < k; i++) step[i] *= MAX_RELATIVE_STEP / longest;
      longest = MAX_RELATIVE_STEP;
    }
    // −gᵀs, plus the model's fall along directions of negative curvature (where g may vanish: a saddle).
    let decrement = 0;
    let curvature = 0;
    for (let i = 0; i < k; i++) {
      decrement -= g[i] * step[i];
      for (let j = 0; j < k; j++) curvature += step[i] * h[i * k + j] * step[j];
    }
    decrement += Math.max(0, -curvature / 2);
    // θ_k = 0 is a stationary point in θ_k, a saddle where the likelihood wants θ_k > 0: at one, only a Hessian
    // differenced there (not BFGS's, built elsewhere) tells which.
    if (!(decrement > DECREMENT_TOLERANCE) && !fresh && x.some((xi) => Math.abs(xi) < SINGULAR_THETA)) {
      h = differencedHessian(x, g);
      fresh = true;
      continue;
    }
    if (!(decrement > DECREMENT_TOLERANCE)) {
      returnCode = 'converged';
      break;
    }
    // Backtracking (Armijo) until the step no longer moves θ: the criterion's own rounding, about 1e-11 at
    // n = 1,000, ends the search near the optimum.
    let accepted: Float64Array | undefined;
    let fNew = fx;
    for (let t = 1; longest * t > 1e-12; t /= 2) {
      const candidate = new Float64Array(k);
      for (let i = 0; i < k; i++) candidate[i] = x[i] + t * step[i];
      const fc = value(candidate);
      if (fc < fx && fc <= fx - 1e-4 * t * decrement) {
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
    // BFGS keeps a positive definite Hessian so; where it was not (away from the optimum), it is differenced again.
    if (indefinite) {
      h = differencedHessian(accepted, gNew);
      fresh = true;
    } else {
      updateBfgs(h, x, accepted, g, gNew, k);
      fresh = false;
    }
    x = accepted;
    fx = fNew;
    g = gNew;
  }
  if (returnCode === 'converged' && k > 0) ({ x, g, fx } = pastRounding(x, g, h, k, gradient, value, fx));
  const final = Float64Array.from(place(x), Math.abs);
  // Over |θ|: the sign of a folded coordinate flips its cross terms.
  const folded = new Float64Array(K * K);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) folded[free[i] * K + free[j]] = h[i * k + j] * Math.sign(x[i] || 1) * Math.sign(x[j] || 1);
  }
  return {
    initial: Float64Array.from(start), final, fmin: fx, hessian: folded, evaluations, converged: returnCode === 'converged',
    returnCode,
  };
}

/** Newton steps pastRounding takes at most. */
const FINAL_NEWTON_STEPS = 3;

/**
 * Newton steps from a converged θ, each taken while it shrinks the Newton decrement gᵀH⁻¹g, judged by the gradient
 * alone: where the decrement is about 1e-11 the criterion's changes are at its rounding, so a line search on its
 * values can no longer tell a better θ, but the analytic gradient still can. In a flat direction (a term of few
 * levels, or an ML fit) that θ moves by up to 1e-5 still, and the estimates' df with it; without these steps, two
 * starts (the GPU's θ̂ and lme4's θ = 1) ended that far apart. Returns the last θ taken, its gradient and criterion.
 */
function pastRounding(x: Float64Array, g: Float64Array, h: Float64Array, k: number, gradient: (x: Float64Array) => Float64Array,
  value: (x: Float64Array) => number, fx: number): { x: Float64Array; g: Float64Array; fx: number } {
  const decrementOf = (gAt: Float64Array, at: Float64Array): { step: Float64Array; decrement: number } | undefined => {
    const { step, indefinite } = newtonStep(gAt, h, k, at);
    if (indefinite) return undefined;
    let decrement = 0;
    for (let i = 0; i < k; i++) decrement -= gAt[i] * step[i];
    return { step, decrement };
  };
  let moved = false;
  let current = decrementOf(g, x);
  for (let i = 0; i < FINAL_NEWTON_STEPS && current !== undefined && current.decrement > 0; i++) {
    const candidate = new Float64Array(k);
    for (let j = 0; j < k; j++) candidate[j] = x[j] + current.step[j];
    const gNew = gradient(candidate);
    const next = decrementOf(gNew, candidate);
    if (next === undefined || !(next.decrement < current.decrement)) break;
    x = candidate;
    g = gNew;
    current = next;
    moved = true;
  }
  return { x, g, fx: moved ? value(x) : fx };
}

/** BFGS's update of the Hessian approximation h ([k × k]) by the step s = x1 − x0 and the change y = g1 − g0 of the gradient. */
function updateBfgs(h: Float64Array, x0: Float64Array, x1: Float64Array, g0: Float64Array, g1: Float64Array, k: number): void {
  const s = new Float64Array(k);
  const y = new Float64Array(k);
  let ys = 0;
  let ss = 0;
  let yy = 0;
  for (let i = 0; i < k; i++) {
    s[i] = x1[i] - x0[i];
    y[i] = g1[i] - g0[i];
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

/** The step along a direction of negative curvature where the gradient gives none, relative to max(1, ‖θ‖∞). */
const NEGATIVE_CURVATURE_STEP = 0.1;

/**
 * The Newton step s = −H⁻¹ g where H is positive definite; else the saddle-free Newton step −|H|⁻¹ g (H's eigenvalues
 * by their absolute values, floored at 1e-6 of the largest), with at least NEGATIVE_CURVATURE_STEP along each
 * direction of negative curvature, downhill: from a saddle (θ_k = 0 is a stationary point of the folded criterion
 * in θ_k, a maximum where the likelihood wants θ_k > 0) the gradient alone never leaves.
 */
function newtonStep(g: Float64Array, h: Float64Array, k: number, x: Float64Array): { step: Float64Array; indefinite: boolean } {
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(h[i * k + i]));
  const work = Float64Array.from(h);
  // A barely positive definite H (an eigenvalue just past 0) would give a huge step.
  if (choleskyInPlace(work, k) && minPivotSquared(work, k) > 1e-6 * Math.max(scale, 1e-300)) {
    const step = negated(g);
    choleskySolve(work, k, k, step);
    return { step, indefinite: false };
  }
  const { values, vectors } = symmetricEigen(h, k, { vectors: true });
  const v = vectors!;
  let largest = 0;
  for (const lambda of values) largest = Math.max(largest, Math.abs(lambda));
  const floor = 1e-6 * largest;
  let size = 1;
  for (const xi of x) size = Math.max(size, Math.abs(xi));
  const step = new Float64Array(k);
  for (let e = 0; e < k; e++) {
    let along = 0;
    for (let i = 0; i < k; i++) along += v[i * k + e] * g[i];
    let length = -along / Math.max(Math.abs(values[e]), floor, 1e-300);
    if (values[e] < -floor && Math.abs(length) < NEGATIVE_CURVATURE_STEP * size) {
      length = (along > 0 ? -1 : 1) * NEGATIVE_CURVATURE_STEP * size;
    }
    for (let i = 0; i < k; i++) step[i] += length * v[i * k + e];
  }
  if (!step.every(Number.isFinite)) return { step: negated(g), indefinite: true };
  return { step, indefinite: true };
}

function negated(g: Float64Array): Float64Array {
  const out = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) out[i] = -g[i];
  return out;
}

function minPivotSquared(l: Float64Array, k: number): number {
  let min = Infinity;
  for (let i = 0; i < k; i++) min = Math.min(min, l[i * k + i] * l[i * k + i]);
  return min;
}
