// Per-gene sufficient statistics (src/model/gene-stats.ts): one invocation per gene, two passes over its
// samples, of ỹ = y − x·β_ref (β_ref from a first fit, zero on the first run: the criterion does not depend
// on it, but r_λ is then summed from residuals instead of cancelling out of Σy²). Pass 1 takes group counts
// and sums under the gene's missing-value mask; pass 2 the within-group cross-products of z = (x, ỹ) around
// the group means, so W never forms Σz² − n z̄² in f32, accumulated in blocks of BLOCK samples to keep the
// rounding of long sums down; then each group's mean outer product goes to the B of its (masked) size.

const BLOCK: u32 = 32u;

var<private> W: array<f32, MAX_MM>;
var<private> PART: array<f32, MAX_MM>;

/// y − x·β_ref for observation i of gene g.
fn residual(i: u32, g: u32, v: f32) -> f32 {
  var e = v;
  for (var a = 0u; a < params.p; a++) { e -= x[i * params.p + a] * betaRef[g * params.p + a]; }
  return e;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.y * params.rowInvocations + gid.x;
  if (g >= params.nGenes) { return; }
  let p = params.p;
  let m = p + 1u;
  let mm = m * m;
  let k = p + 2u;
  let sb = g * params.nGroups * k;
  let nb = params.nGenes;
  for (var i = 0u; i < params.nGroups * k; i++) { sums[sb + i] = 0.0; }

  // Pass 1: group counts and sums.
  var n = 0.0;
  for (var i = 0u; i < params.nObs; i++) {
    let v = y[i * nb + g];
    if (v >= MISSING) { continue; }
    let j = sb + groupOf[i] * k;
    sums[j] += 1.0;
    for (var a = 0u; a < p; a++) { sums[j + 1u + a] += x[i * p + a]; }
    sums[j + 1u + p] += residual(i, g, v);
    n += 1.0;
  }
  for (var j = 0u; j < params.nGroups; j++) {
    let c = sums[sb + j * k];
    if (c > 0.0) {
      for (var a = 1u; a < k; a++) { sums[sb + j * k + a] /= c; }
    }
  }

  // Pass 2: within-group cross-products around the group means.
  for (var i = 0u; i < mm; i++) {
    W[i] = 0.0;
    PART[i] = 0.0;
  }
  var z: array<f32, MAX_M>;
  for (var i = 0u; i < params.nObs; i++) {
    let v = y[i * nb + g];
    if (v < MISSING) {
      let j = sb + groupOf[i] * k;
      for (var a = 0u; a < p; a++) { z[a] = x[i * p + a] - sums[j + 1u + a]; }
      z[p] = residual(i, g, v) - sums[j + 1u + p];
      for (var a = 0u; a < m; a++) {
        for (var b = a; b < m; b++) { PART[a * m + b] += z[a] * z[b]; }
      }
    }
    if (i % BLOCK == BLOCK - 1u || i + 1u == params.nObs) {
      for (var t = 0u; t < mm; t++) {
        W[t] += PART[t];
        PART[t] = 0.0;
      }
    }
  }
  let base = g * (params.maxSize + 1u) * mm;
  let cb = g * (params.maxSize + 1u);
  for (var i = 0u; i < (params.maxSize + 1u) * mm; i++) { stats[base + i] = 0.0; }
  for (var s = 0u; s <= params.maxSize; s++) { counts[cb + s] = 0.0; }
  for (var a = 0u; a < m; a++) {
    for (var b = a; b < m; b++) {
      stats[base + a * m + b] = W[a * m + b];
      stats[base + b * m + a] = W[a * m + b];
    }
  }
  counts[cb] = n;

  // Between groups: B_s += z̄_j z̄_jᵀ for the groups of (masked) size s.
  for (var j = 0u; j < params.nGroups; j++) {
    let c = sums[sb + j * k];
    if (c <= 0.0) { continue; }
    let s = u32(c + 0.5);
    counts[cb + s] += 1.0;
    let bb = base + s * mm;
    for (var a = 0u; a < m; a++) {
      for (var b = 0u; b < m; b++) { stats[bb + a * m + b] += sums[sb + j * k + 1u + a] * sums[sb + j * k + 1u + b]; }
    }
  }
}
