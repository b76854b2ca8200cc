// The REML criterion and score of one gene from its augmented statistics, as src/model/reml.ts computes them
// in f64. Prepended by the host (after the program's generated declarations and a classes file:
// classes-groups.wgsl or classes-kinship.wgsl, which give observations, assemble, logDetH and logDetH1) to
// moment-start.wgsl, reml-search.wgsl, reml-beta.wgsl and h2-interval.wgsl (WGSL has no include).
// M(λ) = W + Σ_k w_k(λ) B_k, assembled by the classes file; its Cholesky factor gives log det(Xᵀ H⁻¹ X) and, as
// the square of its last pivot, r_λ.

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

/// −2 ℓ_R(λ), or HUGE where M(λ) is not positive definite (remlCriterion).
fn criterion(g: u32, lambda: f32) -> f32 {
  let p = params.p;
  let m = p + 1u;
  assemble(g, lambda, 0u);
  if (!cholesky(m)) { return HUGE; }
  var logDetXHX = 0.0;
  for (var i = 0u; i < p; i++) { logDetXHX += 2.0 * log(M[i * m + i]); }
  let r = M[p * m + p] * M[p * m + p];
  let dof = observations(g) - f32(p);
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
  let dof = observations(g) - f32(p);
  return logDetH1(g, lambda) + tr1 + dof * r1 / r;
}

/// r_λ, the last pivot of M(λ)'s Cholesky factor squared; 0 where M(λ) is not positive definite.
fn residualAt(g: u32, lambda: f32) -> f32 {
  let p = params.p;
  let m = p + 1u;
  assemble(g, lambda, 0u);
  if (!cholesky(m)) { return 0.0; }
  return M[p * m + p] * M[p * m + p];
}

fn lambdaOf(h: f32) -> f32 { return h / (1.0 - h); }
fn scoreAt(g: u32, h: f32) -> f32 { return score(g, lambdaOf(h)); }
fn criterionAt(g: u32, h: f32) -> f32 { return criterion(g, lambdaOf(h)); }

/// What zeroin finds the root of, in h: the score (the REML optimum), or the criterion's excess over
/// `offset` (the ends of the profile-likelihood interval: offset = −2ℓ_R(ĥ) + cut-off). WGSL has no function
/// pointers, so one zeroin serves both through this switch.
const OBJECTIVE_SCORE: u32 = 0u;
const OBJECTIVE_EXCESS: u32 = 1u;
const MAX_ROOT_EVALUATIONS: u32 = 100u;

fn objective(kind: u32, g: u32, h: f32, offset: f32) -> f32 {
  if (kind == OBJECTIVE_SCORE) { return scoreAt(g, h); }
  let c = criterionAt(g, h);
  return select(c - offset, HUGE, c >= HUGE);
}

/// Brent's zeroin (brentRoot in src/model/brent.ts) on objective(kind) over [a, b], f(a) = fa and f(b) = fb
/// of opposite signs, to 2ε|x| + ROOT_TOLERANCE / 2 in h. Returns (root, converged 1/0, evaluations).
fn zeroin(kind: u32, g: u32, a0: f32, b0: f32, fa0: f32, fb0: f32, offset: f32) -> vec3<f32> {
  var a = a0;
  var b = b0;
  var fa = fa0;
  var fb = fb0;
  var c = a;
  var fc = fa;
  var d = b - a;
  var e = d;
  var iter = 0u;
  var converged = 0.0;
  loop {
    if (abs(fc) < abs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    let tol1 = 2.0 * 1.1920929e-7 * abs(b) + 0.5 * ROOT_TOLERANCE;
    let xm = 0.5 * (c - b);
    if (abs(xm) <= tol1 || fb == 0.0) { converged = 1.0; break; }
    if (iter >= MAX_ROOT_EVALUATIONS) { break; }
    if (abs(e) >= tol1 && abs(fa) > abs(fb)) {
      var pp: f32;
      var qq: f32;
      let s = fb / fa;
      if (a == c) {
        pp = 2.0 * xm * s;
        qq = 1.0 - s;
      } else {
        let qa = fa / fc;
        let r = fb / fc;
        pp = s * (2.0 * xm * qa * (qa - r) - (b - a) * (r - 1.0));
        qq = (qa - 1.0) * (r - 1.0) * (s - 1.0);
      }
      if (pp > 0.0) { qq = -qq; } else { pp = -pp; }
      if (2.0 * pp < min(3.0 * xm * qq - abs(tol1 * qq), abs(e * qq))) {
        e = d;
        d = pp / qq;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += select(select(-tol1, tol1, xm > 0.0), d, abs(d) > tol1);
    fb = objective(kind, g, b, offset);
    iter++;
    if ((fb > 0.0 && fc > 0.0) || (fb <= 0.0 && fc <= 0.0)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
  }
  return vec3<f32>(b, converged, f32(iter));
}
