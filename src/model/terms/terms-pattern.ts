import type { Design } from '../design.js';
import { collapseByGroup, type DesignPattern, patternColumns } from '../pattern.js';

/** What buildTermsPattern reads of a design: X and the random terms' level codes, largest term first. */
export type TermsDesign = Pick<Design, 'x' | 'p' | 'coefNames'> & {
  randomTerms: readonly { name: string; codes: Int32Array }[];
};

/**
 * What the fit of a model with K scalar random intercepts (SPEC §3) needs of the design for one set of observed
 * samples, shared by every gene with that missing-value pattern.
 *
 * The first term's block of Λᵀ ZᵀZ Λ + I is diagonal, so it is eliminated in closed form: with A = [Z_2 … Z_K X]
 * and H = I + θ_1² Z_1 Z_1ᵀ, the Schur complement left of the blocked Cholesky factor of lme4's
 * [ZΛ X y]ᵀ[ZΛ X y] + blockdiag(I, 0) is
 *
 *     Ω(θ) = D [A y]ᵀ H⁻¹ [A y] D + blockdiag(I_{q_2}, 0),    D = diag(θ_k over Z_k's columns, 1 over X and y),
 *
 * and [A y]ᵀ H⁻¹ [A y] is the one-intercept engine's M(λ = θ_1²) of the augmented design A grouped by the first
 * term: its size classes collapse the first term's levels, however many. So `base` is an ordinary DesignPattern
 * whose columns are A's, and GeneStats of it carry a gene's per-pattern and per-gene sums (ZᵀZ, ZᵀX, XᵀX shared;
 * Zᵀy, Xᵀy, yᵀy per gene). With no random term, every observation is in one group and θ_1 stays 0.
 */
export interface TermsPattern {
  /** The augmented pattern: columns [Z_2 … Z_K indicators | X kept], grouped by the first term's levels. */
  base: DesignPattern;
  /** Number of random terms K (0 for a fixed-effects model). */
  K: number;
  /** Indicator columns of terms 2..K: the levels with data of each, in term order. */
  q2: number;
  /** [q2] term (1..K−1) of each indicator column. */
  termOfColumn: Int32Array;
  /** [K] levels with data of each term, and its name (lme4's VarCorr name). */
  nLevels: Int32Array;
  termNames: string[];
  /** Observations used, and [n] their rows of the design. */
  n: number;
  rows: Int32Array;
  /** Rank of X on these rows, [p] the columns of Design.x kept, and their names. */
  p: number;
  columns: Int32Array;
  coefNames: string[];
  /** [p × p] the kept columns' covariance on these rows, dividing by n (the fixed effects' share of the variance). */
  xCov: Float64Array;
}

/** Compact level codes 0..levels−1 of `codes` on `rows`, in order of first appearance. */
function compactLevels(codes: Int32Array, rows: Int32Array): { of: Int32Array; levels: number } {
  const compact = new Map<number, number>();
  const of = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const c = codes[rows[i]];
    if (!compact.has(c)) compact.set(c, compact.size);
    of[i] = compact.get(c)!;
  }
  return { of, levels: compact.size };
}

/** The pattern of the design rows `rows` for the model with `design.randomTerms` (see TermsPattern). */
export function buildTermsPattern(design: TermsDesign, rows: Int32Array): TermsPattern {
  const n = rows.length;
  const { columns, coefNames, x } = patternColumns(design, rows);
  const p = columns.length;
  const K = design.randomTerms.length;
  const terms = design.randomTerms.map((term) => compactLevels(term.codes, rows));
  const nLevels = Int32Array.from(terms, (t) => t.levels);
  const q2 = terms.slice(1).reduce((s, t) => s + t.levels, 0);
  const termOfColumn = new Int32Array(q2);
  const width = q2 + p;
  const a = new Float64Array(n * width);
  for (let k = 1, offset = 0; k < K; offset += terms[k].levels, k++) {
    termOfColumn.fill(k, offset, offset + terms[k].levels);
    for (let i = 0; i < n; i++) a[i * width + offset + terms[k].of[i]] = 1;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) a[i * width + q2 + j] = x[i * p + j];
  const groupOf = K > 0 ? terms[0].of : new Int32Array(n);
  const groups = K > 0 ? terms[0].levels : Math.min(n, 1);
  const intercept = coefNames.indexOf('(Intercept)');
  const base: DesignPattern = {
    n, p: width, columns: Int32Array.from({ length: width }, (_, j) => j), rows, groupOf,
    ...collapseByGroup(a, n, width, Int32Array.from({ length: width }, (_, j) => j), groupOf, groups),
    interceptColumn: intercept < 0 ? -1 : q2 + intercept,
    coefNames: [...Array.from(termOfColumn, (k) => `(${design.randomTerms[k].name})`), ...coefNames],
  };
  return { base, K, q2, termOfColumn, nLevels, termNames: design.randomTerms.map((t) => t.name), n, rows, p, columns, coefNames, xCov: populationCovariance(x, n, p) };
}

/** [p × p] covariance, dividing by n, of the columns of the [n × p] row-major matrix x. */
function populationCovariance(x: Float64Array, n: number, p: number): Float64Array {
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += x[i * p + j] / n;
  const cov = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const dj = x[i * p + j] - mean[j];
      for (let l = 0; l <= j; l++) cov[j * p + l] += (dj * (x[i * p + l] - mean[l])) / n;
    }
  }
  for (let j = 0; j < p; j++) for (let l = 0; l < j; l++) cov[l * p + j] = cov[j * p + l];
  return cov;
}
