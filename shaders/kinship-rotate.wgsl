// The rotation of a batch of genes into the kinship's basis, ỹ = Uᵀ y (src/model/kinship.ts' kinshipGeneStatsOf
// in f64): rotated[k, g] = Σ_i rotation[k, i] · y[i, g], a tiled matrix product. A workgroup of TILE_THREADS ×
// TILE_THREADS invocations computes a TILE × TILE block of the output; each invocation the CELLS × CELLS cells
// (k0 + ty + TILE_THREADS·r, g0 + tx + TILE_THREADS·c), from tiles of Uᵀ and y staged in workgroup memory STEP
// terms at a time, each tile's STEP products summed before they join the cell's running sum (as gene-stats.wgsl's
// blocks keep the rounding of long sums down). Neighbouring invocations read and write neighbouring genes.

const STEP: u32 = 16u;
const CELLS: u32 = TILE / TILE_THREADS;

var<workgroup> tileU: array<array<f32, STEP>, TILE>;
var<workgroup> tileY: array<array<f32, TILE>, STEP>;

@compute @workgroup_size(TILE_THREADS, TILE_THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) lindex: u32) {
  let n = params.nObs;
  let nb = params.nGenes;
  let k0 = wid.y * TILE;
  let g0 = wid.x * TILE;
  var sum: array<array<f32, CELLS>, CELLS>;
  var part: array<array<f32, CELLS>, CELLS>;
  var u: array<f32, CELLS>;
  var v: array<f32, CELLS>;
  for (var t = 0u; t < n; t += STEP) {
    // Each invocation stages TILE · STEP / (TILE_THREADS²) values of each tile.
    for (var l = lindex; l < TILE * STEP; l += TILE_THREADS * TILE_THREADS) {
      let row = l / STEP;
      let col = l % STEP;
      var a = 0.0;
      if (k0 + row < n && t + col < n) { a = rotation[(k0 + row) * n + t + col]; }
      tileU[row][col] = a;
      let i = l / TILE;
      let g = l % TILE;
      var b = 0.0;
      if (t + i < n && g0 + g < nb) { b = y[(t + i) * nb + g0 + g]; }
      tileY[i][g] = b;
    }
    workgroupBarrier();
    for (var r = 0u; r < CELLS; r++) {
      for (var c = 0u; c < CELLS; c++) { part[r][c] = 0.0; }
    }
    for (var j = 0u; j < STEP; j++) {
      for (var r = 0u; r < CELLS; r++) { u[r] = tileU[lid.y + TILE_THREADS * r][j]; }
      for (var c = 0u; c < CELLS; c++) { v[c] = tileY[j][lid.x + TILE_THREADS * c]; }
      for (var r = 0u; r < CELLS; r++) {
        for (var c = 0u; c < CELLS; c++) { part[r][c] += u[r] * v[c]; }
      }
    }
    for (var r = 0u; r < CELLS; r++) {
      for (var c = 0u; c < CELLS; c++) { sum[r][c] += part[r][c]; }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < CELLS; r++) {
    let k = k0 + lid.y + TILE_THREADS * r;
    for (var c = 0u; c < CELLS; c++) {
      let g = g0 + lid.x + TILE_THREADS * c;
      if (k < n && g < nb) { rotated[k * nb + g] = sum[r][c]; }
    }
  }
}
