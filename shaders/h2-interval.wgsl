// The 95% profile-likelihood interval of h2 per gene, as h2Uncertainty in src/stats/h2-uncertainty.ts finds it:
// from ĥ, step over the grid (H_GRID, then the f32 upper end) to the first point where the criterion is more
// than qchisq(0.95, 1) above its minimum, then zeroin between that point and the last one within. lo = 0
// where the criterion stays within the cut-off down to λ = 0; hi = 1 where it stays within up to the grid's end.
// Prepended with a classes file and reml-common.wgsl.

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
      if (fOutside < HUGE || abs(outside - inside) <= ROOT_TOLERANCE) { break; }
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
  let lambda = out[g * OUT_STRIDE + OUT_LAMBDA];
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
