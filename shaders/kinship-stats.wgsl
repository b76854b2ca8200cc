// W of each gene for a kinship term (src/model/kinship.ts' rotatedGeneStats): the run's X part (wxx: Σ x̃_i x̃_iᵀ
// over K_s's null space, the same for every gene), then the gene's y row and column over the same coordinates,
// i = nClasses..nObs − 1 (none where K_s has full rank). One invocation per gene.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.y * params.rowInvocations + gid.x;
  if (g >= params.nGenes) { return; }
  let p = params.p;
  let m = p + 1u;
  let base = g * m * m;
  for (var a = 0u; a < p; a++) {
    for (var b = 0u; b < p; b++) { stats[base + a * m + b] = wxx[a * p + b]; }
  }
  var xy: array<f32, MAX_M>;
  var yy = 0.0;
  for (var i = params.nClasses; i < params.nObs; i++) {
    let v = rotated[i * params.nGenes + g];
    for (var a = 0u; a < p; a++) { xy[a] += xRotated[i * p + a] * v; }
    yy += v * v;
  }
  for (var a = 0u; a < p; a++) {
    stats[base + a * m + p] = xy[a];
    stats[base + p * m + a] = xy[a];
  }
  stats[base + p * m + p] = yy;
}
