// The criterion's classes for a random intercept of independent groups: one class per group size s, c_s groups
// of it (src/model/pattern.ts' sizes and sizeCount, masked per gene). Prepended by the host before
// reml-common.wgsl, which calls the functions below; classes-kinship.wgsl is the same interface for a kinship.
//
// Layout of one gene's statistics (f32, scaled on the host; see src/gpu/gene-stats.ts):
//   stats [nGenes × (maxSize + 1) × m × m]: W, then B_s for group sizes s = 1..maxSize
//   counts [nGenes × (maxSize + 1)]: n, then c_s = the number of groups of size s
// With them, M(λ) = W + Σ_s c_s>0 · s / (1 + λ s) · B_s.

/// Where gene g's W starts in `stats` (its B_s follow).
fn statsBase(g: u32) -> u32 {
  let m = params.p + 1u;
  return g * (params.maxSize + 1u) * m * m;
}

fn countAt(g: u32, s: u32) -> f32 {
  return counts[g * (params.maxSize + 1u) + s];
}

/// The gene's observations n.
fn observations(g: u32) -> f32 {
  return countAt(g, 0u);
}

/// The number of classes' members: groups with data, q.
fn classMembers(g: u32) -> f32 {
  var q = 0.0;
  for (var s = 1u; s <= params.maxSize; s++) { q += countAt(g, s); }
  return q;
}

/// tr(Z Zᵀ) = Σ_k c_k s_k over the gene's observations: n.
fn traceZZ(g: u32) -> f32 {
  return countAt(g, 0u);
}

/// Σ_k c_k s_k² (B_k)_ab: Zᵀ X's cross-products, for the moment start's trace.
fn classXtx(g: u32, a: u32, b: u32) -> f32 {
  let m = params.p + 1u;
  let base = statsBase(g);
  var t = 0.0;
  for (var s = 1u; s <= params.maxSize; s++) {
    if (countAt(g, s) <= 0.0) { continue; }
    let fs = f32(s);
    t += fs * fs * stats[base + s * m * m + a * m + b];
  }
  return t;
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

/// log det H_λ = Σ_s c_s log(1 + λ s), over size classes.
fn logDetH(g: u32, lambda: f32) -> f32 {
  var s = 0.0;
  for (var k = 1u; k <= params.maxSize; k++) {
    let c = countAt(g, k);
    if (c > 0.0) { s += c * log(1.0 + lambda * f32(k)); }
  }
  return s;
}

/// d log det H_λ / dλ = Σ_s c_s s / (1 + λ s).
fn logDetH1(g: u32, lambda: f32) -> f32 {
  var h1 = 0.0;
  for (var k = 1u; k <= params.maxSize; k++) {
    let c = countAt(g, k);
    if (c > 0.0) { h1 += c * f32(k) / (1.0 + lambda * f32(k)); }
  }
  return h1;
}
