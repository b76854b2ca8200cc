/**
 * Eigen-decomposition of a small dense symmetric f64 matrix by the cyclic Jacobi method (Golub & Van Loan,
 * Matrix Computations, §8.5): accurate to a few ulps of ‖A‖ in every eigenvalue, simple, and fast enough for
 * the matrices genelmm meets (m up to a few hundred). Cost about 6m³ flops a sweep, 6–10 sweeps.
 */

/** Eigenvalues (decreasing) and, when asked for, eigenvectors. */
export interface SymmetricEigen {
  /** [m] eigenvalues, decreasing. */
  values: Float64Array;
  /** [m × m] row-major; column i is the unit eigenvector of values[i]. Present when `vectors` was asked for. */
  vectors?: Float64Array;
}

/**
 * A = V diag(values) Vᵀ for the symmetric m×m row-major `a` (only read; both triangles must hold A).
 * Sweeps rotate every off-diagonal pair until the off-diagonal sum of squares is below (1e-17 ‖A‖_F)², at most
 * `maxSweeps` times.
 */
export function symmetricEigen(a: Float64Array, m: number, options: { vectors?: boolean; maxSweeps?: number } = {}): SymmetricEigen {
  const w = Float64Array.from(a.subarray(0, m * m));
  const v = options.vectors ? new Float64Array(m * m) : undefined;
  if (v) for (let i = 0; i < m; i++) v[i * m + i] = 1;
  let frob = 0;
  for (let i = 0; i < m * m; i++) frob += w[i] * w[i];
  const stop = frob * 1e-34;
  const maxSweeps = options.maxSweeps ?? 60;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += w[p * m + q] * w[p * m + q];
    if (!(off > stop)) break;
    for (let p = 0; p < m - 1; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = w[p * m + q];
        if (apq === 0) continue;
        const app = w[p * m + p];
        const aqq = w[q * m + q];
        // Once a_pq is negligible next to both diagonal entries, setting it to 0 changes no eigenvalue.
        if (Math.abs(apq) < 1e-18 * (Math.abs(app) + Math.abs(aqq)) && sweep > 3) {
          w[p * m + q] = w[q * m + p] = 0;
          continue;
        }
        // The rotation that zeroes a_pq: t = tan θ is the smaller root of t² + 2τt − 1 = 0.
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = w[k * m + p];
          const akq = w[k * m + q];
          w[k * m + p] = c * akp - s * akq;
          w[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = w[p * m + k];
          const aqk = w[q * m + k];
          w[p * m + k] = c * apk - s * aqk;
          w[q * m + k] = s * apk + c * aqk;
        }
        w[p * m + q] = w[q * m + p] = 0;
        if (v) {
          for (let k = 0; k < m; k++) {
            const vkp = v[k * m + p];
            const vkq = v[k * m + q];
            v[k * m + p] = c * vkp - s * vkq;
            v[k * m + q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => w[j * m + j] - w[i * m + i]);
  const values = Float64Array.from(order, (i) => w[i * m + i]);
  if (!v) return { values };
  const vectors = new Float64Array(m * m);
  order.forEach((src, dst) => {
    for (let k = 0; k < m; k++) vectors[k * m + dst] = v[k * m + src];
  });
  return { values, vectors };
}
