/**
 * GCTA's GREML model, y = Xβ + g + e with g ~ N(0, σ²_g Z K Zᵀ) (SPEC §3, a kinship term), fitted by the
 * one-intercept engine's criterion in spectral form.
 *
 * With K_s = Z K Zᵀ over a gene's observations and its eigen-decomposition K_s = U diag(s) Uᵀ (once per
 * missing-value pattern), H_λ = I + λ K_s = U diag(1 + λ s) Uᵀ, so in the rotated coordinates ã_i = u_iᵀ [X y]
 *
 *     M(λ) = [X y]ᵀ H_λ⁻¹ [X y] = Σ_{s_i = 0} ã_i ã_iᵀ + Σ_{s_i > 0} s_i / (1 + λ s_i) · (ã_i ã_iᵀ / s_i),
 *
 * which is GeneStats' form W + Σ_k s_k / (1 + λ s_k) B_k with one class per positive eigenvalue (s_k, multiplicity
 * 1, B_k = ã_k ã_kᵀ / s_k) and W the sums over K_s's null space (within-individual contrasts with replicates).
 * log det H_λ = Σ_k log(1 + λ s_k) is the classes' sum as for group sizes. So the λ search, β̂, Satterthwaite df,
 * the SE and profile interval of h2 are reml.ts' as they stand (GEMMA's and FaST-LMM's rotation; lme4 gives the same
 * fit with Zᵀ premultiplied by chol(K)ᵀ, as lme4qtl's relmatLmer does). Per gene the cost is the rotation Uᵀy
 * (n² multiply-adds) and O(n p²) per criterion evaluation.
 */
import { InputError } from '../errors.js';
import { tridiagonalEigen } from '../numerics/tridiagonal-eigen.js';
import { matrixColumns, matrixFits, matrixTimesVectors, scaledOuterProducts, VECTORS_AT_ONCE } from '../numerics/wasm-kernels.js';
import type { Design, RandomTermDesign } from './design.js';
import type { CriterionPattern, GeneStats } from './gene-stats.js';
import { yScaleOf } from './gene-stats.js';
import { patternColumns } from './pattern.js';
import { dominantFixedPart } from './reml.js';

/** A kinship (genetic relationship) matrix over individuals, as read from a file (io/kinship-files.ts). */
export interface Kinship {
  /** Individual ids (GCTA's and plink's IID). */
  ids: string[];
  /** Lower triangle with the diagonal, row by row: entry (i, j ≤ i) at i(i + 1)/2 + j. f32 as GCTA stores it, or f64. */
  triangle: Float32Array | Float64Array;
  /** The file it came from, for messages. */
  source: string;
}

/** The kinship of the random term's levels with data, in the term's level order. */
export interface LevelKinship {
  q: number;
  /** [q × q] as read; clampedKinship gives the PSD matrix the model uses. */
  values: Float64Array;
  /** Its eigen-decomposition: eigenvalues decreasing (negative ones set to 0), [q × q] eigenvectors in columns. */
  eigenvalues: Float64Array;
  eigenvectors: Float64Array;
  report: KinshipReport;
}

/** What the run summary says of the kinship (`model.kinship`). */
export interface KinshipReport {
  /** The file read, and the individuals it has. */
  file: string;
  individuals: number;
  /** Eigenvalues of the kinship of the levels used, before negative ones were set to 0 (`clamped`). */
  largestEigenvalue: number;
  smallestEigenvalue: number;
  clamped: boolean;
}

/**
 * Eigenvalues of a kinship below −KINSHIP_INDEFINITE · (largest) are an error; those between it and 0 are set to
 * 0 with a notice (SPEC §1: GRMs from genotypes with missing calls are often slightly indefinite).
 */
export const KINSHIP_INDEFINITE = 0.01;

/** Eigenvalues of K_s at or below this share of the largest are its null space (rank noise of Z K Zᵀ). */
export const KINSHIP_EIGEN_ZERO = 1e-10;

/**
 * The kinship of `term`'s levels (SPEC §1): every level must be an id of the file (an error names those that are
 * not); ids that are not levels are ignored. An indefinite matrix is an error, a slightly indefinite one is made
 * PSD (its negative eigenvalues set to 0) with a notice.
 */
export function levelKinship(kinship: Kinship, term: RandomTermDesign, notice: (message: string) => void): LevelKinship {
  const n = term.codes.length;
  if (!matrixFits(n)) {
    throw new InputError(`a kinship model of ${n} samples needs their ${n} × ${n} rotation (${((8 * n * n) / 2 ** 30).toFixed(1)} GiB) ` +
      'in each thread\'s WebAssembly kernels, which hold 4 GiB at most', { file: kinship.source },
    'fit the samples in subsets of individuals (a run for each), or as a random intercept without the kinship');
  }
  const index = new Map<string, number>();
  kinship.ids.forEach((id, i) => index.set(id, i));
  const rows = term.levels.map((level) => index.get(level) ?? -1);
  const missing = term.levels.filter((_, k) => rows[k] < 0);
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((id) => `"${id}"`).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
    throw new InputError(`${missing.length} level(s) of "${term.name}" are not ids of the kinship matrix: ${shown}`,
      { file: kinship.source },
      `the kinship's ids (IID) must include every ${term.name} of the samples used; drop those samples from the sample sheet or use a kinship that covers them`);
  }
  const q = rows.length;
  const values = new Float64Array(q * q);
  for (let a = 0; a < q; a++) {
    for (let b = 0; b <= a; b++) {
      const [i, j] = rows[a] >= rows[b] ? [rows[a], rows[b]] : [rows[b], rows[a]];
      const v = kinship.triangle[(i * (i + 1)) / 2 + j];
      if (!Number.isFinite(v)) {
        throw new InputError(`the kinship of "${term.levels[a]}" and "${term.levels[b]}" is ${v}, not a finite number`, { file: kinship.source });
      }
      values[a * q + b] = v;
      values[b * q + a] = v;
    }
  }
  const { values: s, vectors } = tridiagonalEigen(values, q);
  const largest = s[0];
  const smallest = s[q - 1];
  if (!(largest > 0) || smallest < -KINSHIP_INDEFINITE * largest) {
    throw new InputError(`the kinship of the ${q} levels of "${term.name}" is not positive semi-definite: its smallest eigenvalue is ` +
      `${smallest.toPrecision(4)} against a largest of ${largest.toPrecision(4)}`, { file: kinship.source },
    'use a genetic relationship matrix or pedigree kinship (a covariance matrix); GRMs from few SNPs or many missing calls can be far from one');
  }
  const report = { file: kinship.source, individuals: kinship.ids.length, largestEigenvalue: largest, smallestEigenvalue: smallest, clamped: smallest < 0 };
  if (smallest < 0) {
    notice(`the kinship of the ${q} levels of "${term.name}" (${kinship.source}) has negative eigenvalues down to ` +
      `${smallest.toPrecision(4)} (largest ${largest.toPrecision(4)}); they are set to 0`);
  }
  return { q, values, eigenvalues: s.map((v) => Math.max(v, 0)), eigenvectors: vectors, report };
}

/**
 * The eigen-decomposition of K_s = Z K Zᵀ over every design row (each sample the formula keeps), made once per run
 * and shared by every gene: the rotation, the positive eigenvalues (the criterion's classes) and the rotated X.
 */
export interface KinshipBasis {
  /** Design rows (observations of a gene without missing values). */
  n: number;
  /** [nPositive] the positive eigenvalues of K_s, largest first; the rest are its null space. */
  eigenvalues: Float64Array;
  /** [n × n] Uᵀ, row-major: the eigenvectors of K_s, those of the positive eigenvalues first (in class order). */
  rotation: Float64Array;
  /** [n × design.p] UᵀX over every column of the design, row-major. */
  xRotated: Float64Array;
  report: KinshipReport;
}

/** The basis of `design` with `kinship` over its first random term's levels. */
export function kinshipBasis(design: Design, kinship: LevelKinship): KinshipBasis {
  const n = design.nObs;
  const codes = design.randomTerms[0].codes;
  const { q } = kinship;
  let s: Float64Array;
  const rotation = new Float64Array(n * n);
  if (isPermutation(codes, q)) {
    // One sample per level: K_s = P K Pᵀ, whose eigenvectors are K's with their entries permuted.
    s = kinship.eigenvalues;
    const v = kinship.eigenvectors;
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) rotation[k * n + i] = v[codes[i] * q + k];
  } else {
    const values = clampedKinship(kinship);
    const ks = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ks[i * n + j] = values[codes[i] * q + codes[j]];
    const eigen = tridiagonalEigen(ks, n);
    s = eigen.values;
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) rotation[k * n + i] = eigen.vectors[i * n + k];
  }
  const zero = KINSHIP_EIGEN_ZERO * Math.max(s[0], 0);
  let nPositive = 0;
  while (nPositive < n && s[nPositive] > zero) nPositive++;
  const pAll = design.p;
  const xRotated = new Float64Array(n * pAll);
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < pAll; a++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += rotation[k * n + i] * design.x[i * pAll + a];
      xRotated[k * pAll + a] = sum;
    }
  }
  return { n, eigenvalues: s.slice(0, nPositive), rotation, xRotated, report: kinship.report };
}

/** The kinship of the levels with its negative eigenvalues set to 0 ([q × q]; `values` itself when there were none). */
export function clampedKinship(kinship: LevelKinship): Float64Array {
  const { q, values, eigenvalues: s, eigenvectors: v, report } = kinship;
  if (!report.clamped) return values;
  const out = new Float64Array(q * q);
  for (let k = 0; k < q; k++) {
    if (!(s[k] > 0)) continue;
    for (let a = 0; a < q; a++) {
      const va = s[k] * v[a * q + k];
      for (let b = 0; b < q; b++) out[a * q + b] += va * v[b * q + k];
    }
  }
  return out;
}

/** True when `codes` ([n]) takes each of 0..q − 1 exactly once. */
function isPermutation(codes: Int32Array, q: number): boolean {
  if (codes.length !== q) return false;
  const seen = new Uint8Array(q);
  for (const c of codes) {
    if (seen[c]) return false;
    seen[c] = 1;
  }
  return true;
}

/**
 * What the fit of a kinship term needs for one set of observed samples, shared by every gene with that
 * missing-value pattern. Every pattern is fitted in the run's basis: a gene's missing observation i becomes a fixed
 * effect of its own (the indicator column e_i, with y_i = 0), which gives exactly the REML criterion, β̂ and its
 * covariance of the gene's observed samples alone. The error contrasts orthogonal to [X E] are those of y_S
 * orthogonal to X_S, and log det H + log det([X E]ᵀH⁻¹[X E]) = log det H_SS + log det(X_Sᵀ H_SS⁻¹ X_S), with
 * n − (p + k) = n_S − p. So a missing-value pattern costs O(n (p + k)²), not an O(n³) decomposition of its own.
 * The criterion's p is that of [X E]; X's own columns come first.
 */
export interface KinshipPattern extends CriterionPattern {
  /** [p − k] columns of Design.x kept (those of the observed rows), their names and the intercept's position among them (-1 if none). */
  columns: Int32Array;
  coefNames: string[];
  interceptColumn: number;
  /** [observed] design row of each observed sample, in design order. */
  rows: Int32Array;
  /** Individuals (levels of the term) with data. */
  nLevels: number;
  basis: KinshipBasis;
  /** [n × p] Uᵀ [X E], row-major. */
  xRotated: Float64Array;
  /** [p × p] Σ over K_s's null space of x̃_i x̃_iᵀ. */
  wxx: Float64Array;
}

/** The kinship pattern of the observed design rows `rows` in `basis` (see KinshipPattern). */
export function buildKinshipPattern(design: Design, rows: Int32Array, basis: KinshipBasis): KinshipPattern {
  const { n, eigenvalues, rotation } = basis;
  const nPositive = eigenvalues.length;
  const { columns, coefNames } = patternColumns(design, rows);
  const missing: number[] = [];
  for (let i = 0, r = 0; r < n; r++) {
    if (rows[i] === r) i++;
    else missing.push(r);
  }
  const pX = columns.length;
  const p = pX + missing.length;
  const pAll = design.p;
  const xRotated = new Float64Array(n * p);
  for (let k = 0; k < n; k++) for (let a = 0; a < pX; a++) xRotated[k * p + a] = basis.xRotated[k * pAll + columns[a]];
  matrixColumns(rotation, n, missing, xRotated, p, pX); // Uᵀ e_i
  // B_k = x̃_k x̃_kᵀ / s_k over the positive eigenvalues; W's X part, Σ x̃_k x̃_kᵀ over the null space.
  const bxx = new Float64Array(nPositive * p * p);
  scaledOuterProducts(xRotated, p, eigenvalues, nPositive, bxx);
  const wxx = new Float64Array(p * p);
  for (let k = nPositive; k < n; k++) {
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) wxx[a * p + b] += xRotated[k * p + a] * xRotated[k * p + b];
  }
  const codes = design.randomTerms[0].codes;
  return {
    n, p, q: nPositive, nSizes: nPositive, sizes: eigenvalues, sizeCount: new Float64Array(nPositive).fill(1), bxx, logDetInProducts: true,
    columns, coefNames, interceptColumn: coefNames.indexOf('(Intercept)'), rows, nLevels: new Set(Array.from(rows, (r) => codes[r])).size,
    basis, xRotated, wxx, sharedWxx: wxx, atGrid: new Map(),
  };
}

let scratch = new Float64Array(0);

/** A gene ready for its kinship statistics: its pattern and its observed values in the pattern's row order. */
export interface KinshipGene {
  pattern: KinshipPattern;
  y: Float64Array;
}

/**
 * A gene's sufficient statistics under a kinship pattern (`y`: its observed values, in the pattern's row order): y
 * less its mean where X has an intercept, on its scale (as computeGeneStats), 0 at the missing rows, rotated by Uᵀ,
 * and summed as the file comment's W and B_k.
 */
export function kinshipGeneStats(pattern: KinshipPattern, y: Float64Array): GeneStats<KinshipPattern> {
  return kinshipGeneStatsOf([{ pattern, y }])[0];
}

/**
 * kinshipGeneStats of up to VECTORS_AT_ONCE genes of the same basis, their rotations taken together (each chunk of
 * Uᵀ read once for all of them), with the same bits as one at a time.
 */
export function kinshipGeneStatsOf(genes: readonly KinshipGene[]): GeneStats<KinshipPattern>[] {
  const { n, basis } = genes[0].pattern;
  if (genes.length > VECTORS_AT_ONCE || genes.some((gene) => gene.pattern.basis !== basis)) {
    throw new Error(`kinshipGeneStatsOf takes up to ${VECTORS_AT_ONCE} genes of one basis`);
  }
  const size = genes.length * n;
  if (scratch.length < 2 * size) scratch = new Float64Array(2 * size);
  const [ys, rotated] = [scratch.subarray(0, size), scratch.subarray(size, 2 * size)];
  const units = genes.map((gene, g) => basisRows(gene.pattern, gene.y, ys.subarray(g * n, (g + 1) * n)));
  matrixTimesVectors(basis.rotation, n, ys, rotated, genes.length);
  return genes.map((gene, g) => rotatedGeneStats(gene.pattern, rotated.subarray(g * n, (g + 1) * n), units[g].shift, units[g].scale));
}

/** The gene's values over the basis' rows (into `ys`, [n]): less their mean where X has an intercept, over their scale, 0 at the missing rows. */
export function basisRows(pattern: KinshipPattern, y: Float64Array, ys: Float64Array): { shift: number; scale: number } {
  const { rows } = pattern;
  const observed = rows.length;
  let shift = 0;
  if (pattern.interceptColumn >= 0) {
    for (let i = 0; i < observed; i++) shift += y[i];
    shift /= observed;
  }
  const scale = yScaleOf(y, shift);
  ys.fill(0);
  for (let i = 0; i < observed; i++) ys[rows[i]] = (y[i] - shift) / scale;
  return { shift, scale };
}

/**
 * The statistics of a gene given in the basis' coordinates, ỹ = Uᵀ(y − shift)/scale over every design row (the
 * values at the pattern's missing rows do not matter: their indicator columns absorb them).
 */
export function rotatedGeneStats(pattern: KinshipPattern, yRotated: Float64Array, shift: number, scale: number): GeneStats<KinshipPattern> {
  const stats = rotatedSums(pattern, yRotated, shift, scale);
  // Where X explains nearly all of y, the statistics of its residual (computeGeneStats does the same in sample
  // space; Uᵀ is orthogonal, so b is the same least-squares fit).
  const fixed = dominantFixedPart(stats);
  if (fixed === undefined) return stats;
  const { n, p, xRotated } = pattern;
  const residual = Float64Array.from(yRotated);
  for (let k = 0; k < n; k++) for (let a = 0; a < p; a++) residual[k] -= xRotated[k * p + a] * fixed[a];
  const again = rotatedSums(pattern, residual, shift, scale);
  for (let a = 0; a < p; a++) again.betaOffset[a] += fixed[a];
  return again;
}

/** rotatedGeneStats' sums of the rotated values as they are, without its check for a dominant fixed part. */
export function rotatedSums(pattern: KinshipPattern, yRotated: Float64Array, shift: number, scale: number): GeneStats<KinshipPattern> {
  const { n, p, nSizes, sizes, xRotated, wxx } = pattern;
  const m = p + 1;
  const mm = m * m;
  // W: the pattern's X part, then the y row and column of the null space's coordinates.
  const w = new Float64Array(mm);
  for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) w[a * m + c] = wxx[a * p + c];
  for (let k = nSizes; k < n; k++) {
    const yk = yRotated[k];
    for (let a = 0; a < p; a++) {
      w[a * m + p] += xRotated[k * p + a] * yk;
      w[p * m + a] = w[a * m + p];
    }
    w[mm - 1] += yk * yk;
  }
  // The y row of each class's block (the X part is the pattern's bxx: sharedWxx): x̃_ka ỹ_k / s_k, then ỹ_k² / s_k.
  const b = new Float64Array(nSizes * m);
  for (let k = 0; k < nSizes; k++) {
    const yk = yRotated[k];
    const divisor = sizes[k];
    for (let a = 0; a < p; a++) b[k * m + a] += (xRotated[k * p + a] * yk) / divisor;
    b[k * m + p] += (yk * yk) / divisor;
  }
  const betaOffset = new Float64Array(p);
  if (pattern.interceptColumn >= 0) betaOffset[pattern.interceptColumn] = shift / scale;
  return { pattern, m, w, b, betaOffset, scale };
}
