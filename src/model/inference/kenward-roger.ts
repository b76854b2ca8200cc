import { choleskyInPlace, choleskyInverse, crossProduct, product, transpose } from '../../numerics/linalg.js';
import { symmetricEigen } from '../../numerics/symmetric-eigen.js';

/**
 * Kenward–Roger's small-sample adjustment of a mixed model's Wald tests (`--ddf kenward-roger`), as pbkrtest 0.5
 * computes it (`vcovAdj`, `Lb_ddf`, `.KR_adjust`) and lmerTest calls it. It is defined in sample space: with the
 * variance parameters γ = (σ²_1 … σ²_K, σ²) and Σ = Σ_r γ_r G_r (G_k = Z_k Z_kᵀ, G_{K+1} = I; pbkrtest's, which
 * leaves precision weights out of Σ), Φ = Var(β̂) and
 *
 *     P_r = −Xᵀ Σ⁻¹ G_r Σ⁻¹ X,   Q_rs = Xᵀ Σ⁻¹ G_r Σ⁻¹ G_s Σ⁻¹ X,
 *     W = 2 I⁻¹,  I_rs = tr(Σ⁻¹G_r Σ⁻¹G_s) − 2 tr(Φ Q_rs) + tr(Φ P_r Φ P_s)   (REML's expected information),
 *     Φ_A = Φ + 2 Φ [Σ_rs W_rs (Q_rs − P_r Φ P_s)] Φ,
 *
 * each an n × n computation per gene: meant for small studies (dream switches to it below 20 samples).
 */
export interface KenwardRoger {
  /** [p × p] Φ_A, the adjusted Var(β̂). */
  adjusted: Float64Array;
  /** [r] P_r, [p × p] each. */
  p: Float64Array[];
  /** [r × r] W. */
  w: Float64Array;
}

/** The sample space of one gene's fit: X's kept columns and each random term's level of every observation. */
export interface SampleSpace {
  n: number;
  p: number;
  /** [n × p] row-major. */
  x: Float64Array;
  /** Per random term, [n] the level of each observation (any integer codes). */
  levels: Int32Array[];
}

/** Group sums of the rows of the [n × c] row-major `m` over `levels`, back on each row: G m with G = Z Zᵀ. */
function groupSum(levels: Int32Array, m: Float64Array, n: number, c: number): Float64Array {
  const sums = new Map<number, Float64Array>();
  for (let i = 0; i < n; i++) {
    let s = sums.get(levels[i]);
    if (s === undefined) sums.set(levels[i], (s = new Float64Array(c)));
    for (let j = 0; j < c; j++) s[j] += m[i * c + j];
  }
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) out.set(sums.get(levels[i])!, i * c);
  return out;
}

/** Σ_ij A_ij B_ij. */
function frobenius(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * pbkrtest's vcovAdj of a gene's fit: `gamma` the variance parameters (σ²_k of each term, then σ²), `phi` [p × p]
 * Var(β̂), all on one scale. Undefined where Σ is not positive definite.
 */
export function kenwardRoger(space: SampleSpace, gamma: ArrayLike<number>, phi: Float64Array): KenwardRoger | undefined {
  const { n, p, x, levels } = space;
  const r = levels.length + 1;
  const inverse = sigmaInverse(levels, gamma, n);
  if (inverse === undefined) return undefined;
  const tt = product(inverse, x, n, n, p); // Σ⁻¹X
  // H_r = G_r Σ⁻¹ ([n × n]) and O_r = H_r X = G_r Σ⁻¹ X.
  const h = [...levels.map((codes) => groupSum(codes, inverse, n, n)), inverse];
  const o = [...levels.map((codes) => groupSum(codes, tt, n, p)), tt];
  const pr = o.map((or) => crossProduct(or, tt, n, p, p).map((v) => -v));
  const sInverseO = o.map((os) => product(inverse, os, n, n, p));
  const q = (a: number, b: number): Float64Array => crossProduct(o[a], sInverseO[b], n, p, p);
  const qq: Float64Array[][] = Array.from({ length: r }, () => new Array<Float64Array>(r));
  for (let a = 0; a < r; a++) for (let b = a; b < r; b++) qq[a][b] = q(a, b);
  // tr(H_r H_s) = Σ_ij (H_r)_ji (H_s)_ij.
  const trace = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += a[j * n + i] * b[i * n + j];
    return s;
  };
  const information = new Float64Array(r * r);
  for (let a = 0; a < r; a++) {
    const phiPa = product(phi, pr[a], p, p, p);
    for (let b = a; b < r; b++) {
      const pbPhi = product(pr[b], phi, p, p, p);
      information[a * r + b] = information[b * r + a] = trace(h[a], h[b]) - 2 * frobenius(phi, qq[a][b]) + frobenius(phiPa, pbPhi);
    }
  }
  const w = twiceInverse(information, r);
  const u = new Float64Array(p * p);
  for (let a = 0; a < r; a++) {
    for (let b = a; b < r; b++) {
      const term = product(product(pr[a], phi, p, p, p), pr[b], p, p, p);
      for (let e = 0; e < p * p; e++) {
        const v = w[a * r + b] * (qq[a][b][e] - term[e]);
        u[e] += v;
        // A pair a < b stands for (a, b) and (b, a): its matrix and its transpose.
        if (a !== b) u[(e % p) * p + Math.floor(e / p)] += v;
      }
    }
  }
  const gg = product(product(phi, u, p, p, p), phi, p, p, p);
  return { adjusted: phi.map((v, e) => v + 2 * gg[e]), p: pr, w };
}

/**
 * [n × n] Σ⁻¹ for Σ = σ² I + Σ_k γ_k Z_k Z_kᵀ (`gamma`: the γ_k, then σ²) by Woodbury's identity over the terms'
 * levels, Σ⁻¹ = (I − Z M⁻¹ Zᵀ) / σ² with M = diag(σ² / γ_k over Z_k's columns) + ZᵀZ: a factorisation of the q
 * levels rather than of the n samples. A term with γ_k = 0 adds nothing to Σ and is left out. Undefined where σ² is
 * not positive or M not positive definite.
 */
function sigmaInverse(levels: Int32Array[], gamma: ArrayLike<number>, n: number): Float64Array | undefined {
  const sigma2 = gamma[levels.length];
  if (!(sigma2 > 0)) return undefined;
  // Each observation's column of Z in each term kept (levels numbered from 0 within the term, terms one after another).
  const columns: Int32Array[] = [];
  const diagonal: number[] = [];
  levels.forEach((codes, k) => {
    if (!(gamma[k] > 0)) return;
    const compact = new Map<number, number>();
    const column = Int32Array.from(codes, (c) => {
      let j = compact.get(c);
      if (j === undefined) compact.set(c, (j = diagonal.length + compact.size));
      return j;
    });
    for (let j = 0; j < compact.size; j++) diagonal.push(sigma2 / gamma[k]);
    columns.push(column);
  });
  const q = diagonal.length;
  const m = new Float64Array(q * q);
  for (let j = 0; j < q; j++) m[j * q + j] = diagonal[j];
  for (let i = 0; i < n; i++) for (const a of columns) for (const b of columns) m[a[i] * q + b[i]] += 1;
  if (!choleskyInPlace(m, q)) return undefined;
  const mInverse = choleskyInverse(m, q, q);
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = i === j ? 1 : 0;
      for (const a of columns) for (const b of columns) s -= mInverse[a[i] * q + b[j]];
      inverse[i * n + j] = inverse[j * n + i] = s / sigma2;
    }
  }
  return inverse;
}

/**
 * 2 I⁻¹ as pbkrtest takes it: the inverse where the smallest |eigenvalue| of I exceeds 1e-10, else the
 * Moore–Penrose inverse (MASS::ginv: eigenvalues below 1.5e-8 of the largest dropped).
 */
function twiceInverse(information: Float64Array, r: number): Float64Array {
  const { values, vectors } = symmetricEigen(information.slice(), r, { vectors: true });
  const smallest = Math.min(...Array.from(values, Math.abs));
  const largest = Math.max(...Array.from(values, Math.abs));
  const out = new Float64Array(r * r);
  for (let m = 0; m < r; m++) {
    if (smallest <= 1e-10 && !(Math.abs(values[m]) > Math.sqrt(2 ** -52) * largest)) continue;
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) out[a * r + b] += (2 * vectors![a * r + m] * vectors![b * r + m]) / values[m];
  }
  return out;
}

/** The A₁, A₂ of a hypothesis L ([rows × p]) and its rank q, from Φ and the adjustment (pbkrtest's Lb_ddf). */
function kenwardRogerTerms(kr: KenwardRoger, phi: Float64Array, l: Float64Array, rows: number, p: number, q: number):
  { a1: number; a2: number; ddf: number; scaling: number } {
  // Θ = Lᵀ (L Φ Lᵀ)⁻¹ L through the Cholesky factor of L Φ Lᵀ (positive definite: L has rank q = rows here).
  const lPhi = product(l, phi, rows, p, p);
  const lPhiL = product(lPhi, transpose(l, rows, p), rows, p, rows);
  choleskyInPlace(lPhiL, rows);
  const middle = choleskyInverse(lPhiL, rows, rows);
  const theta = product(product(transpose(l, rows, p), middle, p, rows, rows), l, p, rows, p);
  const thetaPhi = product(theta, phi, p, p, p);
  const r = kr.p.length;
  const u = kr.p.map((pr) => product(product(thetaPhi, pr, p, p, p), phi, p, p, p));
  const spur = (m: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < p; i++) s += m[i * p + i];
    return s;
  };
  let a1 = 0;
  let a2 = 0;
  for (let a = 0; a < r; a++) {
    for (let b = a; b < r; b++) {
      const e = a === b ? 1 : 2;
      const w = kr.w[a * r + b];
      a1 += e * w * spur(u[a]) * spur(u[b]);
      let s = 0; // Σ_ij u_a[i, j] u_b[j, i]
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) s += u[a][i * p + j] * u[b][j * p + i];
      a2 += e * w * s;
    }
  }
  const b = (a1 + 6 * a2) / (2 * q);
  const g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2);
  const denominator = 3 * q + 2 * (1 - g);
  const [c1, c2, c3] = [g / denominator, (q - g) / denominator, (q + 2 - g) / denominator];
  let v0 = 1 + c1 * b;
  const v1 = 1 - c2 * b;
  const v2 = 1 - c3 * b;
  if (Math.abs(v0) < 1e-10) v0 = 0;
  const ratio = Math.abs(1 - a2 / q) < 1e-14 && Math.abs(v1) < 1e-14 ? 1 : (1 - a2 / q) / v1;
  const rho = (ratio * ratio * v0) / (q * v2);
  const ddf = 4 + (q + 2) / (q * rho - 1);
  const scaling = Math.abs(ddf - 2) < 0.01 ? 1 : (ddf * (1 - a2 / q)) / (ddf - 2);
  return { a1, a2, ddf, scaling };
}

/** Kenward–Roger's df of one combination lᵀβ (pbkrtest's Lb_ddf; lmerTest's contest1D): with var lᵀΦ_A l. */
export function kenwardRogerDf(kr: KenwardRoger, phi: Float64Array, l: ArrayLike<number>, p: number): number {
  return kenwardRogerTerms(kr, phi, Float64Array.from(l), 1, p, 1).ddf;
}

/**
 * Kenward–Roger's F test of the full-rank [rows × p] L (pbkrtest's `.KR_adjust`, as lmerTest's contestMD reports it):
 * F = scaling · (Lβ̂)ᵀ(L Φ_A Lᵀ)⁻¹(Lβ̂) / q on q and the adjusted denominator df.
 */
export function kenwardRogerF(kr: KenwardRoger, phi: Float64Array, beta: Float64Array, l: Float64Array, rows: number):
  { f: number; ndf: number; ddf: number } {
  const p = beta.length;
  const { ddf, scaling } = kenwardRogerTerms(kr, phi, l, rows, p, rows);
  const lb = product(l, beta, rows, p, 1);
  const v = product(product(l, kr.adjusted, rows, p, p), transpose(l, rows, p), rows, p, rows);
  choleskyInPlace(v, rows);
  const vi = choleskyInverse(v, rows, rows);
  const wald = frobenius(product(vi, lb, rows, rows, 1), lb);
  return { f: (scaling * wald) / rows, ndf: rows, ddf };
}
