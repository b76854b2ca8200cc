// The criterion's classes for a kinship term (src/model/kinship.ts): one class per positive eigenvalue s_k of
// K_s = Z K Zᵀ, in the basis' rotated coordinates z_k = (x̃_k, ỹ_k) = u_kᵀ [X y]. Prepended by the host before
// reml-common.wgsl, which calls the functions below; the same interface as classes-groups.wgsl. With B_k =
// z_k z_kᵀ / s_k and w_k = s_k / (1 + λ s_k),
//
//   M(λ) = W + Σ_k z_k z_kᵀ / (1 + λ s_k),    M'(λ) = −Σ_k s_k z_k z_kᵀ / (1 + λ s_k)²,
//
// where W (stats, kinship-stats.wgsl) sums z_i z_iᵀ over K_s's null space. The X part of every class is the
// run's (xRotated, eigenvalues: uploaded once); a gene's own data is its column of `rotated` (kinship-rotate.wgsl).

var<private> Z: array<f32, MAX_M>;

/// Where gene g's W starts in `stats` ([nGenes × m × m]).
fn statsBase(g: u32) -> u32 {
  let m = params.p + 1u;
  return g * m * m;
}

/// The gene's observations n (every row of the basis: genes with missing values are fitted on the CPU).
fn observations(g: u32) -> f32 {
  return f32(params.nObs);
}

/// The number of classes' members: the positive eigenvalues, each of multiplicity 1.
fn classMembers(g: u32) -> f32 {
  return f32(params.nClasses);
}

/// tr(Z K Zᵀ) = Σ_k s_k.
fn traceZZ(g: u32) -> f32 {
  var t = 0.0;
  for (var k = 0u; k < params.nClasses; k++) { t += eigenvalues[k]; }
  return t;
}

/// Σ_k s_k² (B_k)_ab = Σ_k s_k x̃_ka x̃_kb, for the moment start's trace.
fn classXtx(g: u32, a: u32, b: u32) -> f32 {
  let p = params.p;
  var t = 0.0;
  for (var k = 0u; k < params.nClasses; k++) { t += eigenvalues[k] * xRotated[k * p + a] * xRotated[k * p + b]; }
  return t;
}

/// M(λ) into M (order 0) or its λ-derivative into M1 (order 1): the lower triangle summed over the classes, then mirrored.
fn assemble(g: u32, lambda: f32, order: u32) {
  let p = params.p;
  let m = p + 1u;
  let mm = m * m;
  let base = statsBase(g);
  for (var i = 0u; i < mm; i++) {
    if (order == 0u) { M[i] = stats[base + i]; } else { M1[i] = 0.0; }
  }
  for (var k = 0u; k < params.nClasses; k++) {
    let s = eigenvalues[k];
    let d = 1.0 + lambda * s;
    let w = select(-s / (d * d), 1.0 / d, order == 0u);
    for (var a = 0u; a < p; a++) { Z[a] = xRotated[k * p + a]; }
    Z[p] = rotated[k * params.nGenes + g];
    for (var a = 0u; a < m; a++) {
      let wa = w * Z[a];
      for (var b = 0u; b <= a; b++) {
        if (order == 0u) { M[a * m + b] += wa * Z[b]; } else { M1[a * m + b] += wa * Z[b]; }
      }
    }
  }
  for (var a = 0u; a < m; a++) {
    for (var b = 0u; b < a; b++) {
      if (order == 0u) { M[b * m + a] = M[a * m + b]; } else { M1[b * m + a] = M1[a * m + b]; }
    }
  }
}

/// log det H_λ = Σ_k log(1 + λ s_k).
fn logDetH(g: u32, lambda: f32) -> f32 {
  var s = 0.0;
  for (var k = 0u; k < params.nClasses; k++) { s += log(1.0 + lambda * eigenvalues[k]); }
  return s;
}

/// d log det H_λ / dλ = Σ_k s_k / (1 + λ s_k).
fn logDetH1(g: u32, lambda: f32) -> f32 {
  var h1 = 0.0;
  for (var k = 0u; k < params.nClasses; k++) {
    let s = eigenvalues[k];
    h1 += s / (1.0 + lambda * s);
  }
  return h1;
}
