/**
 * Small dense f64 linear algebra on row-major Float64Arrays. Sizes are the number of fixed effects (p ≤ ~30),
 * so plain loops beat any library; nothing here allocates inside a criterion evaluation.
 */

/** Relative tolerance below which a column counts as linearly dependent (R's `qr(X, tol = 1e-7)`). */
export const RANK_TOLERANCE = 1e-7;

/**
 * In-place lower Cholesky factor of the symmetric m×m matrix `a` (only the lower triangle is read and
 * written). Returns false when a pivot is not positive, i.e. `a` is not positive definite.
 */
export function choleskyInPlace(a: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    let d = a[j * m + j];
    for (let k = 0; k < j; k++) d -= a[j * m + k] * a[j * m + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let s = a[i * m + j];
      for (let k = 0; k < j; k++) s -= a[i * m + k] * a[j * m + k];
      a[i * m + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L x = b in place in `b`, with L the lower factor of the leading m×m block of `l` (stride `ld`). */
export function forwardSolve(l: Float64Array, ld: number, m: number, b: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * ld + k] * b[k];
    b[i] = s / l[i * ld + i];
  }
}

/** Solves L Lᵀ x = b in place in `b`, with L the lower factor of the leading m×m block of `l` (stride `ld`). */
export function choleskySolve(l: Float64Array, ld: number, m: number, b: Float64Array): void {
  forwardSolve(l, ld, m, b);
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < m; k++) s -= l[k * ld + i] * b[k];
    b[i] = s / l[i * ld + i];
  }
}

/** Makes the k×k matrix `h` symmetric in place: each off-diagonal pair becomes its mean. */
export function symmetrizeInPlace(h: Float64Array, k: number): Float64Array {
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) h[i * k + j] = h[j * k + i] = (h[i * k + j] + h[j * k + i]) / 2;
  return h;
}

/**
 * L⁻¹ into `out` ([size × size], lower; its upper triangle is left as it was), L the lower triangle of the diagonal
 * block of rows and columns [from, from + size) of `l` (stride `ld`). Column by column by forward substitution.
 */
export function invertLower(l: Float64Array, ld: number, from: number, size: number, out: Float64Array): Float64Array {
  for (let j = 0; j < size; j++) {
    out[j * size + j] = 1 / l[(from + j) * ld + from + j];
    for (let i = j + 1; i < size; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[(from + i) * ld + from + k] * out[k * size + j];
      out[i * size + j] = s / l[(from + i) * ld + from + i];
    }
  }
  return out;
}

/** A unit vector's scratch for choleskyInverse. */
let unit = new Float64Array(8);

/**
 * (L Lᵀ)⁻¹ as a dense m×m matrix, from the lower factor of the leading m×m block of `l` (stride `ld`), into `inv`
 * (a new array unless given).
 */
export function choleskyInverse(l: Float64Array, ld: number, m: number, inv: Float64Array = new Float64Array(m * m)): Float64Array {
  if (unit.length < m) unit = new Float64Array(m);
  const e = unit.subarray(0, m);
  for (let j = 0; j < m; j++) {
    e.fill(0);
    e[j] = 1;
    choleskySolve(l, ld, m, e);
    for (let i = 0; i < m; i++) inv[i * m + j] = e[i];
  }
  return inv;
}

/** regressLastColumn's copy of its matrix. */
let regressed = new Float64Array(16);

/**
 * Indices of a maximal set of linearly independent columns of the n×p row-major matrix `x`, taken greedily
 * in column order (a later column that is a combination of earlier ones is dropped, as R's pivoting QR and
 * lme4's `chkRank.drop.cols` do), and an orthonormal basis of their span ([kept.length] columns of length n).
 * Modified Gram–Schmidt with the relative tolerance RANK_TOLERANCE.
 */
export function orthonormalColumns(x: Float64Array, n: number, p: number): { kept: number[]; basis: Float64Array[] } {
  const basis: Float64Array[] = [];
  const kept: number[] = [];
  for (let j = 0; j < p; j++) {
    const v = new Float64Array(n);
    let norm0 = 0;
    for (let i = 0; i < n; i++) {
      v[i] = x[i * p + j];
      norm0 += v[i] * v[i];
    }
    if (norm0 === 0) continue;
    for (const q of basis) projectOut(q, v);
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    if (Math.sqrt(norm) <= RANK_TOLERANCE * Math.sqrt(norm0)) continue;
    const s = 1 / Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] *= s;
    basis.push(v);
    kept.push(j);
  }
  return { kept, basis };
}

/** v −= (qᵀv) q for the unit vector q. */
function projectOut(q: Float64Array, v: Float64Array): void {
  let d = 0;
  for (let i = 0; i < v.length; i++) d += q[i] * v[i];
  for (let i = 0; i < v.length; i++) v[i] -= d * q[i];
}

/** The columns kept by orthonormalColumns. */
export function independentColumns(x: Float64Array, n: number, p: number): number[] {
  return orthonormalColumns(x, n, p).kept;
}

/**
 * The residuals of regressing each of the k columns of the n×k row-major `y` on the m columns of the n×m `x`
 * (R's `resid(lm.fit(x, y))`: columns of x that depend on earlier ones do not count), as a new n×k matrix.
 */
export function regressionResiduals(x: Float64Array, n: number, m: number, y: Float64Array, k: number): Float64Array {
  const { basis } = orthonormalColumns(x, n, m);
  const out = new Float64Array(n * k);
  const v = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) v[i] = y[i * k + c];
    // Twice, so that what is left is orthogonal to the basis to rounding (Gram–Schmidt's "twice is enough").
    for (let pass = 0; pass < 2; pass++) for (const q of basis) projectOut(q, v);
    for (let i = 0; i < n; i++) out[i * k + c] = v[i];
  }
  return out;
}

/**
 * Cholesky of the symmetric m×m matrix `a` that steps over the leading m − 1 columns whose pivot is below
 * RANK_TOLERANCE² of `scale[j]` (linearly dependent on earlier ones), as a rank-revealing regression of the
 * last column on the others. `scale` is each column's total sum of squares, so that a pivot made of
 * rounding noise is judged against the column's size, not against itself. Returns the rank of the leading
 * block and the last column's residual sum of squares (its Schur complement). `a` is copied (into the thread's
 * scratch), not changed.
 */
export function regressLastColumn(a: Float64Array, m: number, scale: ArrayLike<number>): { rank: number; residual: number } {
  if (regressed.length < m * m) regressed = new Float64Array(m * m);
  const l = regressed;
  for (let i = 0; i < m * m; i++) l[i] = a[i];
  const kept: number[] = [];
  for (let j = 0; j < m; j++) {
    let d = l[j * m + j];
    for (const k of kept) d -= l[j * m + k] * l[j * m + k];
    if (j < m - 1 && !(d > RANK_TOLERANCE * RANK_TOLERANCE * scale[j])) continue;
    if (j === m - 1) return { rank: kept.length, residual: Math.max(d, 0) };
    const ljj = Math.sqrt(d);
    l[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let s = l[i * m + j];
      for (const k of kept) s -= l[i * m + k] * l[j * m + k];
      l[i * m + j] = s / ljj;
    }
    kept.push(j);
  }
  return { rank: kept.length, residual: 0 };
}

/** [a × c] AᵀB for the row-major [n × a] A and [n × c] B. */
export function crossProduct(a: Float64Array, b: Float64Array, n: number, aCols: number, bCols: number): Float64Array {
  const out = new Float64Array(aCols * bCols);
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < aCols; u++) {
      const au = a[i * aCols + u];
      if (au !== 0) for (let v = 0; v < bCols; v++) out[u * bCols + v] += au * b[i * bCols + v];
    }
  }
  return out;
}

/** [r × c] AB for the row-major [r × k] A and [k × c] B. */
export function product(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let l = 0; l < k; l++) {
      const ail = a[i * k + l];
      if (ail !== 0) for (let j = 0; j < c; j++) out[i * c + j] += ail * b[l * c + j];
    }
  }
  return out;
}

/** [cols × rows] Mᵀ of the row-major [rows × cols] M. */
export function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
  return out;
}
