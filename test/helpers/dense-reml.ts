/** A dense, slow and independent evaluation of the REML criterion, for tests of the fast ones. */

/** Inverse and log-determinant of a dense symmetric positive definite matrix by Gauss–Jordan with pivoting. */
function invertDense(a: number[][]): { inverse: number[][]; logDet: number } {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  let logDet = 0;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    const d = m[c][c];
    logDet += Math.log(Math.abs(d));
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return { inverse: m.map((row) => row.slice(n)), logDet };
}

/**
 * SPEC §3's −2ℓ_R(λ) the slow way: form H = I + λ C (C = ZZᵀ for groups, Z K Zᵀ with a kinship; `c(i, j)` its
 * entries), invert it, and apply the formula term by term.
 */
export function denseCriterion(x: number[][], c: (i: number, j: number) => number, y: number[], lambda: number): number {
  const n = y.length;
  const p = x[0]?.length ?? 0;
  const h = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) + lambda * c(i, j)));
  const { inverse: hi, logDet: logDetH } = invertDense(h);
  const hiX = hi.map((row) => Array.from({ length: p }, (_, b) => row.reduce((s, v, k) => s + v * x[k][b], 0)));
  const hiY = hi.map((row) => row.reduce((s, v, k) => s + v * y[k], 0));
  const xhx = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => x.reduce((s, row, k) => s + row[a] * hiX[k][b], 0)));
  const xhy = Array.from({ length: p }, (_, a) => x.reduce((s, row, k) => s + row[a] * hiY[k], 0));
  const { inverse: xhxInv, logDet: logDetXHX } = p > 0 ? invertDense(xhx) : { inverse: [], logDet: 0 };
  const beta = xhxInv.map((row) => row.reduce((s, v, b) => s + v * xhy[b], 0));
  const e = y.map((v, i) => v - x[i].reduce((s, xv, b) => s + xv * beta[b], 0));
  const r = e.reduce((s, ei, i) => s + ei * hi[i].reduce((t, v, k) => t + v * e[k], 0), 0);
  return logDetH + logDetXHX + (n - p) * (1 + Math.log((2 * Math.PI * r) / (n - p)));
}
