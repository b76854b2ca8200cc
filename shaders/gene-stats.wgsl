// Per-gene sufficient statistics (src/model/gene-stats.ts): one invocation per gene, two passes over its
// samples. Pass 1 takes group counts and sums under the gene's missing-value mask; pass 2 the within-group
// cross-products of z = (x, y) around the group means, so W never forms Σz² − n z̄² in f32; then each group's
// mean outer product goes to the B of its (masked) size.

struct Params {
  nGenes: u32,
  nObs: u32,
  p: u32,
  nGroups: u32,
  maxSize: u32,
  rowInvocations: u32,
};

/// A missing value, written by the host (values are centred and scaled, so never this large).
const MISSING: f32 = 3.0e38;
const MAX_MM: u32 = 256u;

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;            // [nObs × nGenes], sample-major
@group(0) @binding(2) var<storage, read> x: array<f32>;            // [nObs × p], scaled design
@group(0) @binding(3) var<storage, read> groupOf: array<u32>;      // [nObs]
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;   // [nGenes × nGroups × (p + 2)]: count, Σx, Σy
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;  // [nGenes × (maxSize + 1) × m × m]
@group(0) @binding(6) var<storage, read_write> counts: array<f32>; // [nGenes × (maxSize + 1)]: n, c_1..c_maxSize

var<private> W: array<f32, MAX_MM>;

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
    sums[j + 1u + p] += v;
    n += 1.0;
  }
  for (var j = 0u; j < params.nGroups; j++) {
    let c = sums[sb + j * k];
    if (c > 0.0) {
      for (var a = 1u; a < k; a++) { sums[sb + j * k + a] /= c; }
    }
  }

  // Pass 2: within-group cross-products around the group means.
  for (var i = 0u; i < mm; i++) { W[i] = 0.0; }
  var z: array<f32, 16>;
  for (var i = 0u; i < params.nObs; i++) {
    let v = y[i * nb + g];
    if (v >= MISSING) { continue; }
    let j = sb + groupOf[i] * k;
    for (var a = 0u; a < p; a++) { z[a] = x[i * p + a] - sums[j + 1u + a]; }
    z[p] = v - sums[j + 1u + p];
    for (var a = 0u; a < m; a++) {
      for (var b = a; b < m; b++) { W[a * m + b] += z[a] * z[b]; }
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
