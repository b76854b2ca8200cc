import type { GeneStats } from './gene-stats.js';
import { choleskyInPlace, choleskyInverse, choleskySolve } from '../numerics/linalg.js';
import { ln, log1p } from '../numerics/libm.js';
import { blockSums, classWeightsGiven, classWeightsInto, classWeightsOfSizes, logOfProducts, pairOffsets, rowPairOffsets } from '../numerics/wasm-kernels.js';

const LOG_2PI = ln(2 * Math.PI);

/** The class weights of one classSum call (grown as needed; evaluations do not nest). */
let classWeights = new Float64Array(64);

/**
 * M(λ) = W + Σ_k w_k(λ) B_k into `out` ([m × m]), with w_k = s_k / (1 + λ s_k) for `order` 0, and its
 * λ-derivatives for order 1 (−s_k² / (1 + λ s_k)²) and 2 (2 s_k³ / (1 + λ s_k)³), which carry no W: classSum's sums
 * with the weights made in the WebAssembly kernel too; for a pattern of FEW_CLASSES classes or fewer, here
 * (fewClassesM), with the same bits.
 */
export function assembleM(stats: GeneStats, lambda: number, out: Float64Array, order: 0 | 1 | 2 = 0): Float64Array {
  const { sizes, nSizes, sharedWxx } = stats.pattern;
  if (nSizes <= FEW_CLASSES && sharedWxx === undefined) return fewClassesM(stats, lambda, out, order);
  classWeightsOfSizes(sizes, nSizes, lambda, order);
  return sumClassBlocks(stats, order === 0, out);
}

/**
 * Classes up to which assembleM sums in JavaScript: a call into the kernels, with its copies in and out, costs what
 * the sums of a few classes cost (a single intercept's groups often have one or two sizes).
 */
export const FEW_CLASSES = 4;

/**
 * assembleM's sums in plain loops, operation for operation as the kernels take them (wasm/kernels.wat' class_weights
 * and class_sum): d = 1 + λ s, each weight as its expression is written, and each element of the lower triangle one
 * running sum from W's element (or 0) over the classes in order; then mirrored.
 */
function fewClassesM(stats: GeneStats, lambda: number, out: Float64Array, order: 0 | 1 | 2): Float64Array {
  const { m, w, b, pattern } = stats;
  const { sizes, nSizes } = pattern;
  const mm = m * m;
  const weights = fewWeights;
  for (let k = 0; k < nSizes; k++) {
    const s = sizes[k];
    const d = 1 + lambda * s;
    weights[k] = order === 0 ? s / d : order === 1 ? -(s * s) / (d * d) : (2 * s * s * s) / (d * d * d);
  }
  for (let a = 0; a < m; a++) {
    for (let c = 0; c <= a; c++) {
      const e = a * m + c;
      let sum = order === 0 ? w[e] : 0;
      for (let k = 0; k < nSizes; k++) sum += weights[k] * b[k * mm + e];
      out[e] = sum;
      out[c * m + a] = sum;
    }
  }
  return out;
}

/** fewClassesM's class weights. */
const fewWeights = new Float64Array(FEW_CLASSES);

/**
 * X's share of y's (centred) sum of squares above which a gene's statistics are taken again of its residual y − X b
 * (dominantFixedPart): r_λ is y's part outside X's span, found as a difference of sums that grow with y's part
 * inside it, so f64 loses log10 of their ratio in digits (a tissue or batch effect 10⁴ times the residual SD moved
 * σ̂² by 7e-4 relative). Below it the loss is at most 3 digits of 16, and the statistics are kept as they are.
 */
export const FIXED_SHARE_LIMIT = 1 - 1e-3;

/**
 * b = (XᵀX)⁻¹Xᵀy of a gene's statistics (in its units), where X explains more than FIXED_SHARE_LIMIT of y's sum of
 * squares about the statistics' centre; undefined otherwise, or where X is not of full rank. The caller takes the
 * statistics again of y − X b and adds b to betaOffset: the criterion, σ²s and SEs do not depend on b.
 */
export function dominantFixedPart(stats: GeneStats): Float64Array | undefined {
  const { m } = stats;
  const p = m - 1;
  if (p === 0) return undefined;
  const m0 = assembleM(stats, 0, workspaceFor(m).l); // taken before any search of the gene, which uses the same workspace
  const total = m0[m * m - 1];
  if (!(total > 0) || !choleskyInPlace(m0, m)) return undefined;
  if (m0[p * m + p] ** 2 >= (1 - FIXED_SHARE_LIMIT) * total) return undefined;
  // The factor's last row is L_xx⁻¹ Xᵀy: b = L_xx⁻ᵀ of it.
  const b = new Float64Array(p);
  for (let a = p - 1; a >= 0; a--) {
    let v = m0[p * m + a];
    for (let c = a + 1; c < p; c++) v -= m0[c * m + a] * b[c];
    b[a] = v / m0[a * m + a];
  }
  return b;
}

/** The thread's scratch for `nSizes` class weights (classSum's `weights`), grown as needed. */
export function classWeightsFor(nSizes: number): Float64Array {
  if (classWeights.length < nSizes) classWeights = new Float64Array(2 * nSizes);
  return classWeights;
}

/**
 * (W if `withW`) + Σ_k weights[k] B_k into `out` ([m × m]): each element of the lower triangle summed over the
 * classes in class order, as one running sum, so the result does not depend on how the loops are arranged; the
 * sums are taken by the WebAssembly kernel (numerics/wasm-kernels.ts), two elements a vector, so that a gene with
 * many classes (weights, a kinship's eigenvalues) costs a third of what the plain loop costs. Then the upper
 * triangle is mirrored.
 */
export function classSum(stats: GeneStats, weights: Float64Array, withW: boolean, out: Float64Array): Float64Array {
  classWeightsGiven(weights, stats.pattern.nSizes);
  return sumClassBlocks(stats, withW, out);
}

/** The two parts' sums of a pattern whose blocks' X part is shared (its [p × p], a spare element, then the y row's m). */
let partSums = new Float64Array(0);

/**
 * The class sums with the weights the kernel holds. Where the pattern shares the blocks' X part (sharedWxx), the
 * [p × p] X part is summed from the pattern's bxx (W's from sharedWxx) and the y row from the gene's b (W's from w's
 * last row), in two parts kept apart in the kernels' memory, so the pattern's part is copied there once for all its
 * genes: each element is the same sum of the same terms as from whole blocks.
 */
function sumClassBlocks(stats: GeneStats, withW: boolean, out: Float64Array): Float64Array {
  const { m, w, b, pattern } = stats;
  if (pattern.sharedWxx === undefined) {
    blockSums(0, b, m * m, withW ? w : null, 0, pairOffsets(m), out, 0, m);
    return out;
  }
  sharedPartSums(stats, withW);
  return withGenePart(stats, withW, out);
}

/** The class sums of a shared-X pattern's X part (W's with `withW`), with the weights the kernel holds, into partSums. */
function sharedPartSums(stats: GeneStats, withW: boolean): void {
  const { pattern, m } = stats;
  const p = m - 1;
  blockSums(0, pattern.bxx, p * p, withW ? pattern.sharedWxx! : null, 0, pairOffsets(p), partSumsFor(m), 0);
}

/** The thread's partSums, grown for order m. */
function partSumsFor(m: number): Float64Array {
  const size = (m - 1) ** 2 + 1 + m + 1;
  if (partSums.length < size) partSums = new Float64Array(2 * size);
  return partSums;
}

/**
 * M(λ) into `out` from the X part's sums in partSums and the gene's y row summed here, with the weights the kernel
 * holds (sumClassBlocks' second part).
 */
function withGenePart(stats: GeneStats, withW: boolean, out: Float64Array): Float64Array {
  const { m, w, b } = stats;
  const p = m - 1;
  const yAt = p * p + 1;
  blockSums(1, b, m, withW ? w : null, p * m, rowPairOffsets(m), partSums, yAt);
  for (let a = 0; a < p; a++) for (let c = 0; c <= a; c++) out[a * m + c] = partSums[a * p + c];
  for (let c = 0; c <= p; c++) out[p * m + c] = partSums[yAt + c];
  return mirrorLower(out, m);
}

/**
 * remlCriterion at a λ of the search's fixed grids (lambda-search.ts), to the bit. Where the pattern keeps its part
 * of the criterion (atGrid: a kinship's, whose hundreds of classes and X part are the same for all its genes), the
 * class weights, the X part's sums and log det H_λ are made for the pattern's first gene at that λ and kept for the
 * others, which sum only their y row: at 500 classes that is two thirds of an evaluation's work.
 */
export function gridCriterion(stats: GeneStats, lambda: number, work: Float64Array = workspaceFor(stats.m).l): number {
  const { pattern, m } = stats;
  const { atGrid } = pattern;
  if (atGrid === undefined) return remlCriterion(stats, lambda, work);
  let at = atGrid.get(lambda);
  if (at === undefined) {
    const { sizes, nSizes } = pattern;
    classWeightsOfSizes(sizes, nSizes, lambda, 0);
    const weights = new Float64Array(nSizes);
    classWeightsInto(weights);
    sharedPartSums(stats, true);
    at = { weights, xPart: partSums.slice(0, (m - 1) ** 2), logDetH: logDetH(stats, lambda) };
    atGrid.set(lambda, at);
  } else {
    classWeightsGiven(at.weights, pattern.nSizes);
    partSumsFor(m).set(at.xPart);
  }
  withGenePart(stats, true, work);
  if (!choleskyInPlace(work, m)) return NaN;
  return criterionOfFactor(stats, lambda, work, at.logDetH);
}

/** Copies the lower triangle of the [m × m] `out` onto its upper triangle. */
function mirrorLower(out: Float64Array, m: number): Float64Array {
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) out[j * m + i] = out[i * m + j];
  return out;
}

/** Classes whose (1 + λ s_k) are multiplied before one logarithm, where the pattern asks for it (≤ 1e308 for λ s_k ≤ e^22). */
const LOG_PRODUCT_BLOCK = 16;

/**
 * Σ_j log(1 + λ n_j) = log det H_λ, summed over size classes. With `logDetInProducts` (classes of one member), as
 * Σ_blocks log Π (1 + λ s_k): (1 + λ s_k) rounds with an absolute error of 2⁻⁵³, as log1p's result, so the sum is
 * as accurate, and costs a sixteenth of the logarithms.
 */
export function logDetH(stats: GeneStats, lambda: number): number {
  const { sizes, sizeCount, nSizes, logDetInProducts } = stats.pattern;
  if (logDetInProducts === true && lambda * sizes[0] <= 1e19) return logOfProducts(sizes, nSizes, lambda, LOG_PRODUCT_BLOCK);
  let s = 0;
  for (let k = 0; k < nSizes; k++) s += sizeCount[k] * log1p(lambda * sizes[k]);
  return s;
}

/** Σ_j n_j / (1 + λ n_j) = d log det H_λ / dλ, summed over size classes. */
export function logDetHSlope(stats: GeneStats, lambda: number): number {
  const { sizes, sizeCount, nSizes } = stats.pattern;
  let s = 0;
  for (let k = 0; k < nSizes; k++) s += (sizeCount[k] * sizes[k]) / (1 + lambda * sizes[k]);
  return s;
}

/**
 * −2 ℓ_R(λ), the REML criterion of SPEC §3 (lme4's REMLcrit at θ = √λ):
 * Σ_j log(1 + λ n_j) + log det(Xᵀ H⁻¹ X) + (n − p)(1 + log(2π r_λ / (n − p))) − Σ_i log w_i (0 without weights).
 * NaN when M(λ) is not positive definite (r_λ = 0: the fixed effects fit the gene exactly).
 * `work` is an optional [m × m] scratch buffer.
 */
export function remlCriterion(stats: GeneStats, lambda: number, work: Float64Array = workspaceFor(stats.m).l): number {
  assembleM(stats, lambda, work);
  if (!choleskyInPlace(work, stats.m)) return NaN;
  return criterionOfFactor(stats, lambda, work);
}

/** remlCriterion from the Cholesky factor `l` of M(λ) (and log det H_λ, where known). */
function criterionOfFactor(stats: GeneStats, lambda: number, l: Float64Array, logDet = logDetH(stats, lambda)): number {
  const { m } = stats;
  const { n, p } = stats.pattern;
  // log det(Xᵀ H⁻¹ X) = Σ log L_ii², taken as the log of their product (one logarithm, libm.ts's being slow), the
  // product folded into the sum before it could under- or overflow.
  let logDetXHX = 0;
  let product = 1;
  for (let i = 0; i < p; i++) {
    product *= l[i * m + i] * l[i * m + i];
    if (!(product > 1e-150 && product < 1e150)) {
      logDetXHX += ln(product);
      product = 1;
    }
  }
  logDetXHX += ln(product);
  const r = l[p * m + p] ** 2;
  const dof = n - p;
  return logDet + logDetXHX + dof * (1 + LOG_2PI + ln(r / dof)) - (stats.pattern.logWeights ?? 0);
}

/**
 * Everything the estimates need at one λ: β̂_λ, r_λ, σ²_e and (Xᵀ H⁻¹ X)⁻¹ (without σ²_e), on the scale of the
 * statistics (y / stats.scale; estimatesAt unscales them).
 */
export interface RemlProfile {
  lambda: number;
  criterion: number;
  /** r_λ = (y − Xβ̂)ᵀ H⁻¹ (y − Xβ̂). */
  r: number;
  /** r_λ / (n − p). */
  sigma2E: number;
  /** [p] β̂_λ, the offset of the statistics added back. */
  beta: Float64Array;
  /**
   * [p × p] (Xᵀ H_λ⁻¹ X)⁻¹; Var(β̂) = σ²_e times this. The thread's workspace (RemlWorkspace.xhxInverse): valid until
   * the next profileAt of this order, as the fit that reads it uses it before then.
   */
  xhxInverse: Float64Array;
}

/** β̂_λ, r_λ and (Xᵀ H⁻¹ X)⁻¹ at λ (profileBeta in MixedModels.jl's terms); undefined where M(λ) is singular. */
export function profileAt(stats: GeneStats, lambda: number): RemlProfile | undefined {
  const { m } = stats;
  const { n, p } = stats.pattern;
  const ws = workspaceFor(m);
  const l = assembleM(stats, lambda, ws.l);
  const beta = new Float64Array(p);
  for (let i = 0; i < p; i++) beta[i] = l[i * m + p]; // Xᵀ H⁻¹ y: the last column
  if (!choleskyInPlace(l, m)) return undefined;
  const r = l[p * m + p] ** 2;
  choleskySolve(l, m, p, beta);
  for (let i = 0; i < p; i++) beta[i] += stats.betaOffset[i];
  return {
    lambda,
    criterion: criterionOfFactor(stats, lambda, l),
    r,
    sigma2E: r / (n - p),
    beta,
    xhxInverse: choleskyInverse(l, m, p, ws.xhxInverse),
  };
}

/**
 * First and second λ-derivatives of the pieces of the REML criterion at λ, from M(λ), M'(λ), M''(λ):
 * log det H (h1, h2), log det(Xᵀ H⁻¹ X) (tr1, tr2) and r_λ (r1, r2), with a = (−β̂, 1) on the centred scale:
 *
 *     h1 = Σ_k c_k s_k / (1 + λ s_k),         h2 = −Σ_k c_k s_k² / (1 + λ s_k)²,
 *     tr1 = tr(C M'_xx),                        tr2 = tr(C M''_xx) − tr(C M'_xx C M'_xx),
 *     r1 = aᵀ M' a,                             r2 = aᵀ M'' a − 2 (M'a)_xᵀ C (M'a)_x,      C = (Xᵀ H⁻¹ X)⁻¹.
 *
 * The score of the profiled criterion is h1 + tr1 + (n − p) r1 / r. Undefined where M(λ) is singular.
 */
export interface RemlDerivatives {
  r: number;
  r1: number;
  r2: number;
  h1: number;
  h2: number;
  tr1: number;
  tr2: number;
  /**
   * [p × p] C = (Xᵀ H⁻¹ X)⁻¹ and C M'_xx, in the thread's workspace (RemlWorkspace): valid until the next
   * remlDerivatives of this order, as the estimates that read them use them before then.
   */
  c: Float64Array;
  cm1: Float64Array;
}

/**
 * The REML deviance D(λ, σ²) = log det H_λ + log det(Xᵀ H_λ⁻¹ X) + (n − p) log(2π σ²) + r_λ / σ²: its λ-derivative
 * and its Hessian in (λ, σ²), at λ (the derivatives d) and σ².
 */
export interface RemlHessian {
  dLambda: number;
  lambdaLambda: number;
  lambdaSigma2: number;
  sigma2Sigma2: number;
}

export function remlHessian(stats: GeneStats, d: RemlDerivatives, sigma2: number): RemlHessian {
  const { n, p } = stats.pattern;
  const s2 = sigma2;
  return {
    dLambda: d.h1 + d.tr1 + d.r1 / s2,
    lambdaLambda: d.h2 + d.tr2 + d.r2 / s2,
    lambdaSigma2: -d.r1 / (s2 * s2),
    sigma2Sigma2: -(n - p) / (s2 * s2) + (2 * d.r) / (s2 * s2 * s2),
  };
}

/** The derivatives of the criterion's pieces at λ (see RemlDerivatives). */
export function remlDerivatives(stats: GeneStats, lambda: number): RemlDerivatives | undefined {
  const { m } = stats;
  const { p, sizes, sizeCount, nSizes } = stats.pattern;
  const ws = workspaceFor(m);
  const { a, col: xhy, u } = ws;
  const l = assembleM(stats, lambda, ws.l);
  for (let i = 0; i < p; i++) xhy[i] = l[i * m + p];
  if (!choleskyInPlace(l, m)) return undefined;
  const c = choleskyInverse(l, m, p, ws.c);
  const r = l[p * m + p] ** 2;
  const m1 = assembleM(stats, lambda, ws.m1, 1);
  const m2 = assembleM(stats, lambda, ws.m2, 2);

  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += c[i * p + j] * xhy[j];
    a[i] = -s;
  }
  a[p] = 1;
  let r1 = 0;
  let r2 = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      r1 += a[i] * m1[i * m + j] * a[j];
      r2 += a[i] * m2[i * m + j] * a[j];
    }
  }
  for (let i = 0; i < p; i++) {
    u[i] = 0;
    for (let j = 0; j < m; j++) u[i] += m1[i * m + j] * a[j];
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) r2 -= 2 * u[i] * c[i * p + j] * u[j];

  const { cm1 } = ws;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += c[i * p + k] * m1[k * m + j];
      cm1[i * p + j] = s;
    }
  }
  let tr1 = 0;
  let tr2 = 0;
  for (let i = 0; i < p; i++) {
    tr1 += cm1[i * p + i];
    for (let k = 0; k < p; k++) tr2 += c[i * p + k] * m2[k * m + i] - cm1[i * p + k] * cm1[k * p + i];
  }
  let h2 = 0;
  for (let k = 0; k < nSizes; k++) {
    const d = 1 + lambda * sizes[k];
    h2 -= (sizeCount[k] * sizes[k] * sizes[k]) / (d * d);
  }
  return { r, r1, r2, h1: logDetHSlope(stats, lambda), h2, tr1, tr2, c, cm1 };
}

/** Scratch buffers for criterion and score evaluations of one gene size, so the search allocates nothing. */
export interface RemlWorkspace {
  /** [m × m] M(λ), then its Cholesky factor. */
  l: Float64Array;
  /** [m × m] M'(λ). */
  m1: Float64Array;
  /** [m × m] M''(λ). */
  m2: Float64Array;
  /** [m] a = (−β̂, 1), then scratch. */
  a: Float64Array;
  /** [m] one column of M'_xx during the trace; Xᵀ H⁻¹ y in remlDerivatives. */
  col: Float64Array;
  /** [m] (M'a)_x in remlDerivatives. */
  u: Float64Array;
  /** [p × p] remlDerivatives' C = (Xᵀ H⁻¹ X)⁻¹ and C M'_xx, p = m − 1. */
  c: Float64Array;
  cm1: Float64Array;
  /** [p × p] profileAt's (Xᵀ H⁻¹ X)⁻¹. */
  xhxInverse: Float64Array;
}

/** Workspace for augmented matrices of order m = p + 1. */
export function createWorkspace(m: number): RemlWorkspace {
  return {
    l: new Float64Array(m * m), m1: new Float64Array(m * m), m2: new Float64Array(m * m),
    a: new Float64Array(m), col: new Float64Array(m), u: new Float64Array(m),
    c: new Float64Array((m - 1) ** 2), cm1: new Float64Array((m - 1) ** 2), xhxInverse: new Float64Array((m - 1) ** 2),
  };
}

const workspaces = new Map<number, RemlWorkspace>();

/**
 * The thread's shared workspace for order m: criterion and score evaluations are synchronous and do not nest,
 * so one per order serves every gene, and the search allocates nothing per gene.
 */
export function workspaceFor(m: number): RemlWorkspace {
  let ws = workspaces.get(m);
  if (ws === undefined) {
    ws = createWorkspace(m);
    workspaces.set(m, ws);
  }
  return ws;
}

/**
 * d(−2 ℓ_R)/dλ of the profiled criterion: h1 + tr(C M'_xx) + (n − p) aᵀM'a / r (see RemlDerivatives), without
 * allocating. NaN where M(λ) is singular.
 */
export function remlScore(stats: GeneStats, lambda: number, ws: RemlWorkspace = workspaceFor(stats.m)): number {
  const { m } = stats;
  const { n, p } = stats.pattern;
  const { l, m1, a, col } = ws;
  assembleM(stats, lambda, l);
  for (let i = 0; i < p; i++) a[i] = l[i * m + p];
  if (!choleskyInPlace(l, m)) return NaN;
  const r = l[p * m + p] ** 2;
  choleskySolve(l, m, p, a);
  for (let i = 0; i < p; i++) a[i] = -a[i];
  a[p] = 1;
  assembleM(stats, lambda, m1, 1);
  let r1 = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) r1 += a[i] * m1[i * m + j] * a[j];
  let tr1 = 0;
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < p; i++) col[i] = m1[i * m + j];
    choleskySolve(l, m, p, col);
    tr1 += col[j];
  }
  return logDetHSlope(stats, lambda) + tr1 + ((n - p) * r1) / r;
}
