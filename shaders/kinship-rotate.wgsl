// The rotation of a batch of genes into the kinship's basis, ỹ = Uᵀ y (src/model/kinship.ts' kinshipGeneStatsOf
// in f64): rotated[k, g] = Σ_i rotation[k, i] · y[i, g], one invocation per output, in square workgroups of
// TILE × TILE that stage a tile of Uᵀ and a tile of y in workgroup memory at a time (a tiled matrix product).
// Each tile's TILE products are summed before they join the running sum, which keeps the rounding of the long
// sum down, as gene-stats.wgsl's blocks do.

var<workgroup> tileU: array<array<f32, TILE>, TILE>;
var<workgroup> tileY: array<array<f32, TILE>, TILE>;

@compute @workgroup_size(TILE, TILE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = params.nObs;
  let nb = params.nGenes;
  let g = wid.x * TILE + lid.x;
  let k = wid.y * TILE + lid.y;
  var sum = 0.0;
  for (var t = 0u; t < n; t += TILE) {
    let i = t + lid.x;
    var u = 0.0;
    if (k < n && i < n) { u = rotation[k * n + i]; }
    tileU[lid.y][lid.x] = u;
    let j = t + lid.y;
    var v = 0.0;
    if (j < n && g < nb) { v = y[j * nb + g]; }
    tileY[lid.y][lid.x] = v;
    workgroupBarrier();
    var part = 0.0;
    for (var c = 0u; c < TILE; c++) { part += tileU[lid.y][c] * tileY[c][lid.x]; }
    sum += part;
    workgroupBarrier();
  }
  if (k < n && g < nb) { rotated[k * nb + g] = sum; }
}
