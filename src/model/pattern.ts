import type { Design } from './design.js';
import { independentColumns } from '../numerics/linalg.js';

/**
 * What the REML fit needs of the design for one set of observed samples: the design rows a gene with no
 * missing value uses, or the subset left after a gene's NAs are dropped. Everything here depends on the
 * design only, so genes with the same missing-value pattern share one DesignPattern.
 *
 * Groups are collapsed into size classes: groups of equal size n_j share d_j = λ / (1 + λ n_j), so each
 * criterion evaluation costs O(nSizes · p²), independent of the number of groups.
 */
export interface DesignPattern {
  /** Observations used. */
  n: number;
  /** Rank of X on these rows: the number of columns kept. */
  p: number;
  /** [p] columns of Design.x kept (aliased columns on this subset are dropped, as lme4 drops them). */
  columns: Int32Array;
  /** [n] row of Design.x (and index into Design.sampleIndex) of each observation. */
  rows: Int32Array;
  /** Groups with at least one observation. */
  q: number;
  /** [n] group of each observation, 0..q-1. */
  groupOf: Int32Array;
  /** [q] n_j. */
  groupSize: Int32Array;
  /** [q] the groups class by class (of size sizes[0], then sizes[1], …), in order within a class. */
  classGroups: Int32Array;
  /** [nSizes + 1] where each class starts in classGroups. */
  classStart: Int32Array;
  /** [nSizes] distinct group sizes s_k, and [nSizes] how many groups have each. */
  sizes: Float64Array;
  sizeCount: Float64Array;
  nSizes: number;
  /** [p × n] X minus its group means, the within-group part, column after column. */
  xc: Float64Array;
  /** [q × p] group means x̄_j. */
  xbar: Float64Array;
  /** [p × p] within-group cross-products Σ_i (x_i − x̄_j)(x_i − x̄_j)ᵀ. */
  wxx: Float64Array;
  /** [nSizes × p × p] B_k = Σ_{j: n_j = s_k} x̄_j x̄_jᵀ. */
  bxx: Float64Array;
  /** Position of the intercept among the kept columns, or -1. */
  interceptColumn: number;
  /** Names of the kept columns. */
  coefNames: string[];
}

/** The pattern of the design rows `rows` (all rows of the design for genes without missing values). */
export function buildPattern(design: Design, rows: Int32Array): DesignPattern {
  const n = rows.length;
  const { columns, coefNames, x } = patternColumns(design, rows);
  const p = columns.length;

  const compact = new Map<number, number>();
  const groupOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = design.randomTerms[0].codes[rows[i]];
    if (!compact.has(g)) compact.set(g, compact.size);
    groupOf[i] = compact.get(g)!;
  }
  const collapsed = collapseByGroup(x, n, p, Int32Array.from(columns.keys()), groupOf, compact.size);
  return {
    n, p, columns, rows, groupOf, ...collapsed,
    interceptColumn: coefNames.indexOf('(Intercept)'),
    coefNames,
  };
}

/**
 * X on the design rows `rows`: the columns kept (those independent on these rows, as lme4 keeps them), their names,
 * and [n × p] their values, row-major.
 */
export function patternColumns(design: Pick<Design, 'x' | 'p' | 'coefNames'>, rows: Int32Array): { columns: Int32Array; coefNames: string[]; x: Float64Array } {
  const n = rows.length;
  const pAll = design.p;
  const sub = new Float64Array(n * pAll);
  for (let i = 0; i < n; i++) for (let j = 0; j < pAll; j++) sub[i * pAll + j] = design.x[rows[i] * pAll + j];
  const columns = Int32Array.from(n > 0 ? independentColumns(sub, n, pAll) : []);
  const p = columns.length;
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let a = 0; a < p; a++) x[i * p + a] = sub[i * pAll + columns[a]];
  return { columns, coefNames: Array.from(columns, (c) => design.coefNames[c]), x };
}

/** The part of a DesignPattern that groups the observations: sizes, size classes and the collapsed cross-products. */
export type GroupCollapse = Pick<DesignPattern, 'q' | 'groupSize' | 'classGroups' | 'classStart' | 'sizes' | 'sizeCount' | 'nSizes' |
  'xc' | 'xbar' | 'wxx' | 'bxx'>;

/**
 * Collapses the columns `columns` of the [n × stride] row-major matrix `sub` by the grouping `groupOf` ([n], values
 * 0..q-1): group sizes and their size classes, group means, the within-group part and its cross-products, and the
 * between-group cross-products per size class (see DesignPattern).
 */
export function collapseByGroup(sub: Float64Array, n: number, stride: number, columns: Int32Array, groupOf: Int32Array,
  q: number): GroupCollapse {
  const p = columns.length;
  const groupSize = new Int32Array(q);
  for (let i = 0; i < n; i++) groupSize[groupOf[i]]++;
  // The distinct sizes ascending (a typed array's numeric sort, no comparator), and each group's class among them.
  const sorted = groupSize.slice().sort();
  const distinct: number[] = [];
  for (let j = 0; j < q; j++) if (j === 0 || sorted[j] !== sorted[j - 1]) distinct.push(sorted[j]);
  const nSizes = distinct.length;
  const sizeClassOf = new Int32Array(q);
  for (let j = 0; j < q; j++) {
    let lo = 0;
    for (let hi = nSizes - 1; lo < hi;) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid] < groupSize[j]) lo = mid + 1;
      else hi = mid;
    }
    sizeClassOf[j] = lo;
  }
  const sizeCount = new Float64Array(nSizes);
  for (let j = 0; j < q; j++) sizeCount[sizeClassOf[j]]++;
  const classStart = new Int32Array(nSizes + 1);
  for (let k = 0; k < nSizes; k++) classStart[k + 1] = classStart[k] + sizeCount[k];
  const classGroups = new Int32Array(q);
  const filled = classStart.slice(0, nSizes);
  for (let j = 0; j < q; j++) classGroups[filled[sizeClassOf[j]]++] = j;
  const xbar = new Float64Array(q * p);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) xbar[groupOf[i] * p + a] += sub[i * stride + columns[a]];
  }
  for (let j = 0; j < q; j++) for (let a = 0; a < p; a++) xbar[j * p + a] /= groupSize[j];
  const xc = new Float64Array(p * n);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) xc[a * n + i] = sub[i * stride + columns[a]] - xbar[groupOf[i] * p + a];
  }
  // Each cross-product one running sum in a register, over the observations (the groups of a class) in order, its
  // mirror the same number: x_a x_b and x_b x_a round alike.
  const wxx = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b <= a; b++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += xc[a * n + i] * xc[b * n + i];
      wxx[a * p + b] = wxx[b * p + a] = sum;
    }
  }
  const bxx = new Float64Array(nSizes * p * p);
  for (let k = 0; k < nSizes; k++) {
    const base = k * p * p;
    for (let a = 0; a < p; a++) {
      for (let b = 0; b <= a; b++) {
        let sum = 0;
        for (let at = classStart[k]; at < classStart[k + 1]; at++) sum += xbar[classGroups[at] * p + a] * xbar[classGroups[at] * p + b];
        bxx[base + a * p + b] = bxx[base + b * p + a] = sum;
      }
    }
  }
  return { q, groupSize, classGroups, classStart, sizes: Float64Array.from(distinct), sizeCount, nSizes, xc, xbar, wxx, bxx };
}
