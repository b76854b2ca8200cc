/**
 * Eigen-decomposition of a large dense symmetric f64 matrix: Householder reduction to tridiagonal form, then the
 * implicit QL method with Wilkinson-like shifts (EISPACK's tred2 and tql2, as JAMA transcribes them; Golub &
 * Van Loan, Matrix Computations, §8.3). About 9m³ flops with vectors, against Jacobi's 6m³ a sweep over 6–10
 * sweeps (symmetric-eigen.ts), so this one is for kinships of hundreds or thousands of individuals; both are
 * backward stable, Jacobi a little more accurate in small eigenvalues.
 */
import type { SymmetricEigen } from './symmetric-eigen.js';
import { kernelArrays, planeRotation, subtractScaled, subtractTwoScaled } from './wasm-kernels.js';

/**
 * A = V diag(values) Vᵀ for the symmetric m×m row-major `a` (only read; its upper triangle is used), values
 * decreasing, vectors [m × m] row-major with column i the unit eigenvector of values[i].
 */
export function tridiagonalEigen(a: Float64Array, m: number): Required<SymmetricEigen> {
  // vt holds A (= Aᵀ), then the accumulated transformations transposed: JAMA's V[i][j] is vt[j·m + i], so that
  // tred2's inner loops, which run down V's columns, and tql2's rotations, which combine them, read contiguous rows.
  // They, d and e live in the WebAssembly kernels' memory, where the row updates run (same bits as the plain loops).
  if (m === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const [vt, d, e] = kernelArrays([m * m, m, m]);
  vt.set(a.subarray(0, m * m));
  d.fill(0);
  e.fill(0);
  householder(vt, d, e, m);
  ql(vt, d, e, m);
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(m * m);
  for (let dst = 0; dst < m; dst++) for (let k = 0; k < m; k++) vectors[k * m + dst] = vt[order[dst] * m + k];
  return { values, vectors };
}

/** tred2 on the transpose: w ← Qᵀ for the orthogonal Q with QᵀAQ tridiagonal, d its diagonal, e its subdiagonal (e[0] = 0). */
function householder(w: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + (n - 1)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + (i - 1)];
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      symmetricProduct(w, d, e, n, i);
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        subtractTwoScaled(w, j * n + j, e, d, j, i - j, f, g); // w[j·n + k] −= f e[k] + g d[k], j ≤ k < i
        d[j] = w[j * n + (i - 1)];
        w[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    w[i * n + (n - 1)] = w[i * n + i];
    w[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[(i + 1) * n + k] / h;
      // g_j = Σ_k w[(i + 1)·n + k] w[j·n + k], then w[j·n + k] −= g_j d[k] (k ≤ i): row j's update touches no other
      // row's g, so four rows' sums are taken together, four chains of additions in flight instead of one.
      const v = (i + 1) * n;
      let j = 0;
      for (; j + 4 <= i + 1; j += 4) {
        let g0 = 0;
        let g1 = 0;
        let g2 = 0;
        let g3 = 0;
        for (let k = 0, a = j * n; k <= i; k++, a++) {
          const x = w[v + k];
          g0 += x * w[a];
          g1 += x * w[a + n];
          g2 += x * w[a + 2 * n];
          g3 += x * w[a + 3 * n];
        }
        subtractScaled(w, j * n, d, i + 1, g0);
        subtractScaled(w, (j + 1) * n, d, i + 1, g1);
        subtractScaled(w, (j + 2) * n, d, i + 1, g2);
        subtractScaled(w, (j + 3) * n, d, i + 1, g3);
      }
      for (; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[v + k] * w[j * n + k];
        subtractScaled(w, j * n, d, i + 1, g);
      }
    }
    for (let k = 0; k <= i; k++) w[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + (n - 1)];
    w[j * n + (n - 1)] = 0;
  }
  w[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/**
 * tred2's product e = A d over rows and columns below i, A symmetric and held in w's upper triangle (row j from
 * column j), with d copied into row i of w: e[j] is row j's sum g = e[j] + A_jj d_j + Σ_{j<k<i} A_jk d_k, in order
 * of k, after the earlier rows j' < j have added their A_j'j d_j' to e[j], in order of j'. Rows are taken two at a
 * time, two chains of additions in flight instead of one: row j + 1 starts once row j has added its term to
 * e[j + 1], then both go on together, row j's term to each e[k] before row j + 1's, so every sum is as tred2 takes it.
 */
function symmetricProduct(w: Float64Array, d: Float64Array, e: Float64Array, n: number, i: number): void {
  let j = 0;
  for (; j + 2 <= i; j += 2) {
    const f0 = d[j];
    const f1 = d[j + 1];
    w[i * n + j] = f0;
    w[i * n + j + 1] = f1;
    const r0 = j * n;
    const r1 = r0 + n;
    let g0 = e[j] + w[r0 + j] * f0;
    g0 += w[r0 + j + 1] * d[j + 1];
    e[j + 1] += w[r0 + j + 1] * f0;
    let g1 = e[j + 1] + w[r1 + j + 1] * f1;
    for (let k = j + 2; k <= i - 1; k++) {
      const a0 = w[r0 + k];
      const a1 = w[r1 + k];
      g0 += a0 * d[k];
      g1 += a1 * d[k];
      e[k] = e[k] + a0 * f0 + a1 * f1;
    }
    e[j] = g0;
    e[j + 1] = g1;
  }
  for (; j < i; j++) {
    const f = d[j];
    w[i * n + j] = f;
    let g = e[j] + w[j * n + j] * f;
    for (let k = j + 1; k <= i - 1; k++) {
      g += w[j * n + k] * d[k];
      e[k] += w[j * n + k] * f;
    }
    e[j] = g;
  }
}

/** tql2: the eigenvalues of the tridiagonal (d, e) into d, its eigenvectors applied to V (given as Vᵀ, `vt`). */
function ql(vt: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      do {
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          planeRotation(vt, i * n, i * n + n, n, c, s); // rows i and i + 1 of Vᵀ
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
