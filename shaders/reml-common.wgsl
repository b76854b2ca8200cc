// The REML criterion and score of one gene from its augmented statistics, as src/model/reml.ts computes them
// in f64. Prepended by the host (after params.wgsl) to moment-start.wgsl, reml-search.wgsl and reml-beta.wgsl
// (WGSL has no include).
//
// Layout of one gene's statistics (f32, scaled on the host; see src/gpu/gene-stats.ts):
//   stats [nGenes × (maxSize + 1) × m × m]: W, then B_s for group sizes s = 1..maxSize
//   counts [nGenes × (maxSize + 1)]: n, then c_s = the number of groups of size s
// With them, M(λ) = W + Σ_s c_s>0 · s / (1 + λ s) · B_s, whose Cholesky factor gives log det(Xᵀ H⁻¹ X) and,
// as the square of its last pivot, r_λ.

const MAX_M: u32 = 16u;
const MAX_MM: u32 = 256u;
const LOG_2PI: f32 = 1.8378770664093453;
/// Stands for +∞ (WGSL has no portable infinity or NaN).
const HUGE: f32 = 3.0e38;

var<private> M: array<f32, MAX_MM>;
var<private> M1: array<f32, MAX_MM>;
var<private> A: array<f32, MAX_M>;
var<private> COL: array<f32, MAX_M>;

fn geneIndex(gid: vec3<u32>) -> u32 {
  return gid.y * params.rowInvocations + gid.x;
}

fn statsBase(g: u32) -> u32 {
  let m = params.p + 1u;
  return g * (params.maxSize + 1u) * m * m;
}

fn countAt(g: u32, s: u32) -> f32 {
  return counts[g * (params.maxSize + 1u) + s];
}

/// M(λ) into M (order 0) or its λ-derivative into M1 (order 1).
fn assemble(g: u32, lambda: f32, order: u32) {
  let m = params.p + 1u;
  let mm = m * m;
  let base = statsBase(g);
  for (var i = 0u; i < mm; i++) {
    if (order == 0u) { M[i] = stats[base + i]; } else { M1[i] = 0.0; }
  }
  for (var s = 1u; s <= params.maxSize; s++) {
    if (countAt(g, s) <= 0.0) { continue; }
    let fs = f32(s);
    let d = 1.0 + lambda * fs;
    let w = select(-(fs * fs) / (d * d), fs / d, order == 0u);
    let b = base + s * mm;
    for (var i = 0u; i < mm; i++) {
      if (order == 0u) { M[i] += w * stats[b + i]; } else { M1[i] += w * stats[b + i]; }
    }
  }
}

/// Lower Cholesky factor of the m×m matrix in M, in place; false when a pivot is not positive.
fn cholesky(m: u32) -> bool {
  for (var j = 0u; j < m; j++) {
    var d = M[j * m + j];
    for (var k = 0u; k < j; k++) { d -= M[j * m + k] * M[j * m + k]; }
    if (!(d > 0.0)) { return false; }
    let ljj = sqrt(d);
    M[j * m + j] = ljj;
    for (var i = j + 1u; i < m; i++) {
      var s = M[i * m + j];
      for (var k = 0u; k < j; k++) { s -= M[i * m + k] * M[j * m + k]; }
      M[i * m + j] = s / ljj;
    }
  }
  return true;
}

/// Solves L Lᵀ x = COL in place, with L the leading p×p block of the factor in M (stride m).
fn solveCol(m: u32, p: u32) {
  for (var i = 0u; i < p; i++) {
    var s = COL[i];
    for (var k = 0u; k < i; k++) { s -= M[i * m + k] * COL[k]; }
    COL[i] = s / M[i * m + i];
  }
  for (var ii = 0u; ii < p; ii++) {
    let i = p - 1u - ii;
    var s = COL[i];
    for (var k = i + 1u; k < p; k++) { s -= M[k * m + i] * COL[k]; }
    COL[i] = s / M[i * m + i];
  }
}

/// Σ_j log(1 + λ n_j), over size classes.
fn logDetH(g: u32, lambda: f32) -> f32 {
  var s = 0.0;
  for (var k = 1u; k <= params.maxSize; k++) {
    let c = countAt(g, k);
    if (c > 0.0) { s += c * log(1.0 + lambda * f32(k)); }
  }
  return s;
}

/// −2 ℓ_R(λ), or HUGE where M(λ) is not positive definite (remlCriterion).
fn criterion(g: u32, lambda: f32) -> f32 {
  let p = params.p;
  let m = p + 1u;
  assemble(g, lambda, 0u);
  if (!cholesky(m)) { return HUGE; }
  var logDetXHX = 0.0;
  for (var i = 0u; i < p; i++) { logDetXHX += 2.0 * log(M[i * m + i]); }
  let r = M[p * m + p] * M[p * m + p];
  let dof = countAt(g, 0u) - f32(p);
  return logDetH(g, lambda) + logDetXHX + dof * (1.0 + LOG_2PI + log(r / dof));
}

/// d(−2 ℓ_R)/dλ = h1 + tr(C M'_xx) + (n − p) aᵀ M' a / r, with a = (−β̂, 1) (remlScore). 0 where singular.
fn score(g: u32, lambda: f32) -> f32 {
  let p = params.p;
  let m = p + 1u;
  assemble(g, lambda, 0u);
  for (var i = 0u; i < p; i++) { COL[i] = M[i * m + p]; }
  if (!cholesky(m)) { return 0.0; }
  let r = M[p * m + p] * M[p * m + p];
  solveCol(m, p);
  for (var i = 0u; i < p; i++) { A[i] = -COL[i]; }
  A[p] = 1.0;
  assemble(g, lambda, 1u);
  var r1 = 0.0;
  for (var i = 0u; i < m; i++) {
    for (var j = 0u; j < m; j++) { r1 += A[i] * M1[i * m + j] * A[j]; }
  }
  var tr1 = 0.0;
  for (var j = 0u; j < p; j++) {
    for (var i = 0u; i < p; i++) { COL[i] = M1[i * m + j]; }
    solveCol(m, p);
    tr1 += COL[j];
  }
  var h1 = 0.0;
  for (var k = 1u; k <= params.maxSize; k++) {
    let c = countAt(g, k);
    if (c > 0.0) { h1 += c * f32(k) / (1.0 + lambda * f32(k)); }
  }
  let dof = countAt(g, 0u) - f32(p);
  return h1 + tr1 + dof * r1 / r;
}

/// r_λ, the last pivot of M(λ)'s Cholesky factor squared; 0 where M(λ) is not positive definite.
fn residualAt(g: u32, lambda: f32) -> f32 {
  let p = params.p;
  let m = p + 1u;
  assemble(g, lambda, 0u);
  if (!cholesky(m)) { return 0.0; }
  return M[p * m + p] * M[p * m + p];
}
