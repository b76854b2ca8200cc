// Parametric-bootstrap responses, one invocation per (gene, replicate) column, as drawReplicate in
// src/simulation/bootstrap.ts without its fixed part: y*_i − (Xβ̂)_i = σ̂_g z[group_i] + σ̂_e z[L + i], the normals
// from Philox counter [⌊d/4⌋, replicate, PHILOX_TAG_BOOTSTRAP, gene] under the seed's key (Box–Muller of the
// block's words). REML's variance estimates do not change when Xb is added to y, so the refit of a column equals
// the CPU's refit of its replicate up to f32 rounding, and f32 keeps its digits for the noise. Written scaled per
// gene, sample-major, MISSING where the gene has no value, for gene-stats.wgsl. Prepended with philox.wgsl.

/// Normal draw d of a replicate (bootstrapNormalBlock, component d mod 4).
fn bootstrapNormal(d: u32, replicate: u32, gene: u32, key: vec2<u32>) -> f32 {
  let w = philox(vec4<u32>(d >> 2u, replicate, PHILOX_TAG_BOOTSTRAP, gene), key);
  let second = (d & 2u) == 2u;
  let z = boxMuller(uniform24(select(w.x, w.z, second)), uniform24(select(w.y, w.w, second)));
  return select(z.x, z.y, (d & 1u) == 1u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let column = gid.y * params.rowInvocations + gid.x;
  let nColumns = params.nGenes * params.replicates;
  if (column >= nColumns) { return; }
  let g = column / params.replicates;
  let replicate = params.firstReplicate + column % params.replicates;
  let key = vec2<u32>(params.key0, params.key1);
  let gene = geneIndex[g];
  let sg = sigma[2u * g];
  let se = sigma[2u * g + 1u];
  for (var i = 0u; i < params.nObs; i++) {
    var v = MISSING;
    if (observed[g * params.nObs + i] == 1u) {
      v = sg * bootstrapNormal(groupOf[i], replicate, gene, key) + se * bootstrapNormal(params.nLevels + i, replicate, gene, key);
    }
    y[i * nColumns + column] = v;
  }
}
