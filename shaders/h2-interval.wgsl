// The 95% profile-likelihood interval of h2 per gene, as h2Uncertainty in src/stats/h2-uncertainty.ts finds it:
// from ĥ, step over the grid (H_GRID, then the f32 upper end) to the first point where the criterion is more
// than qchisq(0.95, 1) above its minimum, then zeroin between that point and the last one within. lo = 0
// where the criterion stays within the cut-off down to λ = 0; hi = 1 where it stays within up to the grid's end.
// Prepended with params.wgsl and reml-common.wgsl.

const CUTOFF: f32 = 3.841458820694124;
const OUT_STRIDE: u32 = 8u;
const INTERVAL_TOLERANCE: f32 = 1.0e-10;

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read> counts: array<f32>;
@group(0) @binding(3) var<storage, read> grid: array<f32>;
@group(0) @binding(4) var<storage, read> out: array<f32>;            // the search's output; λ̂ first
@group(0) @binding(5) var<storage, read_write> interval: array<f32>; // [nGenes × 2] lo, hi; −1 where undefined

/// One end of the interval, stepping down (lo) or up (hi) from ĥ (intervalEnd).
fn intervalEnd(g: u32, hHat: f32, offset: f32, down: bool) -> f32 {
  let nGrid = arrayLength(&grid);
  var inside = hHat;
  var fInside = min(objective(OBJECTIVE_EXCESS, g, hHat, offset), 0.0);
  for (var k = 0u; k < nGrid; k++) {
    let h = grid[select(k, nGrid - 1u - k, down)];
    if ((down && !(h < hHat)) || (!down && !(h > hHat))) { continue; }
    var outside = h;
    var fOutside = objective(OBJECTIVE_EXCESS, g, h, offset);
    if (fOutside <= 0.0) {
      inside = h;
      fInside = fOutside;
      continue;
    }
    // Secant steps need a finite value at the outer end: bisect until it has one.
    loop {
      if (fOutside < HUGE || abs(outside - inside) <= INTERVAL_TOLERANCE) { break; }
      let mid = 0.5 * (inside + outside);
      let fMid = objective(OBJECTIVE_EXCESS, g, mid, offset);
      if (fMid <= 0.0) {
        inside = mid;
        fInside = fMid;
      } else {
        outside = mid;
        fOutside = fMid;
      }
    }
    if (fOutside >= HUGE) { return 0.5 * (inside + outside); }
    return zeroin(OBJECTIVE_EXCESS, g, inside, outside, fInside, fOutside, offset).x;
  }
  return select(1.0, 0.0, down);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = geneIndex(gid);
  if (g >= params.nGenes) { return; }
  let lambda = out[g * OUT_STRIDE];
  let best = criterion(g, lambda);
  if (!(lambda >= 0.0) || best >= HUGE) {
    interval[2u * g] = -1.0;
    interval[2u * g + 1u] = -1.0;
    return;
  }
  let hHat = lambda / (1.0 + lambda);
  interval[2u * g] = intervalEnd(g, hHat, best + CUTOFF, true);
  interval[2u * g + 1u] = intervalEnd(g, hHat, best + CUTOFF, false);
}
