import { choleskyInPlace, choleskySolve, crossProduct, regressionResiduals } from '../numerics/linalg.js';
import type { Design, FixedTerm } from './design.js';

/**
 * The hypothesis matrices of lmerTest's `anova()` (type III, its default) for the fixed terms, on the rows and
 * columns of X that one gene's fit uses (its missing-value pattern; lmerTest builds them from that fit's own X):
 *
 * - one fixed term (or one column): type I, the rows of the term in t(L) from the Doolittle factorisation
 *   XᵀX = L U (lmerTest's `get_contrasts_type1`);
 * - else `extract_contrasts_type3`: L = zapsmall(t(ginv(X) · rdX)) with rdX every term coded by all its levels
 *   (Design.termIndicators); each term contained in another (lmerTest's `containment`: its variables a proper subset
 *   of the other's, with the same numeric variables) has its columns of L replaced by their residuals on the
 *   containing terms' columns, higher-order terms first; the rows of L named as X's columns are kept, and each
 *   term's hypothesis is its columns of that, transposed, without rows of absolute sum ≤ 1e-8.
 */

/** A term's hypothesis: `rows` × p, row-major, over the pattern's columns of X. */
export interface TermHypothesis {
  l: Float64Array;
  rows: number;
}

/**
 * The hypotheses of the fixed terms `tested` (indices into design.fixedTerms) for the design rows `rows` and the
 * columns `columns` of X (the pattern's: those independent on these rows).
 */
export function termHypotheses(design: Design, rows: Int32Array, columns: Int32Array, tested: readonly number[]): TermHypothesis[] {
  const n = rows.length;
  const p = columns.length;
  const pAll = design.p;
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let a = 0; a < p; a++) x[i * p + a] = design.x[rows[i] * pAll + columns[a]];
  const terms = design.fixedTerms;
  // lmerTest's term2colX: each term's positions among the pattern's columns.
  const map = terms.map((term) => Array.from(columns.keys()).filter((a) => term.columns.includes(columns[a])));
  // [p × p]: row a is the hypothesis row of the pattern's column a.
  const h = p <= 1 || terms.length <= 1 ? doolittleRows(x, n, p) : typeThreeRows(design, rows, columns, x, map);
  return tested.map((t) => {
    const kept = map[t].filter((a) => {
      let sum = 0;
      for (let j = 0; j < p; j++) sum += Math.abs(h[a * p + j]);
      return sum > 1e-8;
    });
    const l = new Float64Array(kept.length * p);
    kept.forEach((a, r) => l.set(h.subarray(a * p, (a + 1) * p), r * p));
    return { l, rows: kept.length };
  });
}

/** t(L) of lmerTest's `doolittle(crossprod(X))` (XᵀX = L U, L unit lower triangular; entries below 1e-6 set to 0). */
function doolittleRows(x: Float64Array, n: number, p: number): Float64Array {
  const xtx = crossProduct(x, x, n, p, p);
  const eps = 1e-6;
  const lower = new Float64Array(p * p);
  const upper = new Float64Array(p * p);
  for (let i = 0; i < p; i++) lower[i * p + i] = 1;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let u = xtx[i * p + j];
      for (let k = 0; k < i; k++) u -= lower[i * p + k] * upper[k * p + j];
      upper[i * p + j] = u;
    }
    for (let j = i + 1; j < p; j++) {
      let v = xtx[j * p + i];
      for (let k = 0; k < i; k++) v -= lower[j * p + k] * upper[k * p + i];
      lower[j * p + i] = Math.abs(upper[i * p + i]) < eps ? 0 : v / upper[i * p + i];
    }
  }
  const rowsOut = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let j = 0; j < p; j++) rowsOut[a * p + j] = Math.abs(lower[j * p + a]) < eps ? 0 : lower[j * p + a];
  return rowsOut;
}

/**
 * R's `zapsmall(x)` (digits 7) over `values`: every entry rounded to 7 − ceil(log10(max |x|)) decimal places
 * (none below 0), so that rounding noise becomes exact zeros.
 */
function zapsmall(values: Float64Array): void {
  let max = 0;
  for (const v of values) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  if (!(max > 0)) return;
  const digits = Math.max(0, 7 - Math.ceil(Math.log10(max)));
  const scale = 10 ** digits;
  for (let i = 0; i < values.length; i++) values[i] = (Math.sign(values[i]) * Math.round(Math.abs(values[i]) * scale)) / scale;
}

/** lmerTest's `containment`: is term `inner` contained in term `outer`? */
function contains(outer: FixedTerm, inner: FixedTerm): boolean {
  const numericsEqual = inner.numerics.length === outer.numerics.length && inner.numerics.every((v) => outer.numerics.includes(v));
  return inner.variables.every((v) => outer.variables.includes(v)) && outer.variables.some((v) => !inner.variables.includes(v)) &&
    numericsEqual;
}

/** The transposed L of lmerTest's `extract_contrasts_type3` on the pattern's rows and columns (see the file comment). */
function typeThreeRows(design: Design, rows: Int32Array, columns: Int32Array, x: Float64Array, map: number[][]): Float64Array {
  const n = rows.length;
  const p = columns.length;
  const { names, x: indicatorsAll } = design.termIndicators;
  const w = names.length;
  const rd = new Float64Array(n * w);
  for (let i = 0; i < n; i++) rd.set(indicatorsAll.subarray(rows[i] * w, (rows[i] + 1) * w), i * w);
  // G = ginv(X) rdX = (XᵀX)⁻¹ Xᵀ rdX [p × w] (X has full column rank on the pattern's columns); L = zapsmall(Gᵀ) [w × p].
  const xtx = crossProduct(x, x, n, p, p);
  choleskyInPlace(xtx, p);
  const xtr = crossProduct(x, rd, n, p, w);
  const column = new Float64Array(p);
  const l = new Float64Array(w * p);
  for (let r = 0; r < w; r++) {
    for (let a = 0; a < p; a++) column[a] = xtr[a * w + r];
    choleskySolve(xtx, p, p, column);
    l.set(column, r * p);
  }
  zapsmall(l);
  const terms = design.fixedTerms;
  const order = terms.map((_, t) => t).sort((s, t) => terms[t].order - terms[s].order); // stable: ties keep R's order
  const gather = (cols: number[]): Float64Array => {
    const out = new Float64Array(w * cols.length);
    for (let r = 0; r < w; r++) cols.forEach((a, c) => { out[r * cols.length + c] = l[r * p + a]; });
    return out;
  };
  for (const t of order) {
    const containing = terms.flatMap((outer, u) => (contains(outer, terms[t]) ? map[u] : []));
    if (containing.length === 0 || map[t].length === 0) continue;
    const k = map[t].length;
    const residual = regressionResiduals(gather(containing), w, containing.length, gather(map[t]), k);
    zapsmall(residual);
    for (let r = 0; r < w; r++) map[t].forEach((a, c) => { l[r * p + a] = residual[r * k + c]; });
  }
  // Row a of the result: column a of L restricted to the rows named as X's columns (in X's order).
  const coefNames = Array.from(columns, (c) => design.coefNames[c]);
  const nameRows = coefNames.map((name) => names.indexOf(name));
  const out = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let j = 0; j < p; j++) out[a * p + j] = nameRows[j] < 0 ? NaN : l[nameRows[j] * p + a];
  return out;
}
