// Batched REML search on h = λ / (1 + λ), one invocation per gene, the same steps as
// src/model/lambda-search.ts: the grid (uploaded from H_GRID) plus the moment start bracket the minimum
// of the criterion; the optimum is the root of the score in the bracket (Brent's zeroin), located to the
// score's precision rather than √ε of the criterion. Prepended with a classes file and reml-common.wgsl.
//
// out [nGenes × OUT_STRIDE]: λ̂, −2ℓ_R(λ̂), −2ℓ_R(0), score(0), evaluations, converged (1/0), method
// (METHOD_BOUNDARY, _ROOT, _GOLDEN or _GRID), r_λ̂ (so σ²_e = r/(n − p) needs no readback of the statistics), at the
// offsets OUT_LAMBDA … OUT_RESIDUAL (src/gpu/fit-declarations.ts' SEARCH_OUT).

const MAX_POINTS: u32 = 40u;
const GOLDEN: f32 = 0.3819660112501051;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = geneIndex(gid);
  if (g >= params.nGenes) { return; }

  // The grid with the moment start inserted in order.
  var pts: array<f32, MAX_POINTS>;
  var vals: array<f32, MAX_POINTS>;
  let nGrid = min(arrayLength(&grid), MAX_POINTS - 1u);
  let lambda0 = start[g];
  let h0 = select(-1.0, lambda0 / (1.0 + lambda0), lambda0 >= 0.0);
  var nPts = 0u;
  var pending = h0 > 0.0 && h0 < grid[nGrid - 1u];
  for (var i = 0u; i < nGrid; i++) {
    if (pending && h0 < grid[i]) {
      pts[nPts] = h0;
      nPts++;
      pending = false;
    }
    pts[nPts] = grid[i];
    nPts++;
  }
  var best = 0u;
  for (var i = 0u; i < nPts; i++) {
    vals[i] = criterionAt(g, pts[i]);
    if (vals[i] < vals[best]) { best = i; }
  }
  var evaluations = nPts;
  var converged = 1.0;
  var method = METHOD_BOUNDARY;
  var h = pts[best];
  var crit = vals[best];
  var lo = pts[select(best - 1u, 0u, best == 0u)];
  var hi = pts[min(best + 1u, nPts - 1u)];
  let score0 = scoreAt(g, 0.0);
  var sLo = select(scoreAt(g, lo), score0, best == 0u);
  var sHi = scoreAt(g, hi);
  evaluations += 3u;
  // Where the moment start falls beside a grid point, the f32 criterion cannot tell the two apart and may pick the
  // wrong one as best: the score then has one sign across the bracket, and the root lies one point beyond it, where
  // it is sought (f64 tells them apart; the CPU's search never needs this).
  if (sLo < 0.0 && sHi < 0.0 && best + 2u < nPts) {
    lo = hi;
    sLo = sHi;
    hi = pts[best + 2u];
    sHi = scoreAt(g, hi);
    evaluations += 1u;
  } else if (sLo > 0.0 && sHi > 0.0 && best >= 2u) {
    hi = lo;
    sHi = sLo;
    lo = pts[best - 2u];
    sLo = scoreAt(g, lo);
    evaluations += 1u;
  }

  if (best == 0u && sLo >= 0.0) {
    method = METHOD_BOUNDARY;  // the criterion rises from λ = 0: a boundary fit
  } else if (sLo < 0.0 && sHi > 0.0) {
    method = METHOD_ROOT;
    let root = zeroin(OBJECTIVE_SCORE, g, lo, hi, sLo, sHi, 0.0);
    let b = root.x;
    converged = root.y;
    let iter = u32(root.z);
    evaluations += iter;
    let atRoot = criterionAt(g, b);
    evaluations += 1u;
    // The root of the score in the bracket of the best grid point is the minimum there; the f32 criterion, a sum
    // of hundreds of terms, may put it a rounding error above that grid point, so it is kept unless clearly worse.
    if (atRoot <= crit + CRITERION_ROUNDING * abs(crit)) {
      h = b;
      crit = atRoot;
    } else {
      method = METHOD_GRID;  // λ̂ stays the best grid point: right only to the grid's spacing until polished
    }
  } else {
    // No sign change across the bracket: golden-section search on the criterion's value.
    method = METHOD_GOLDEN;
    var a = lo;
    var b = hi;
    var x1 = a + GOLDEN * (b - a);
    var x2 = b - GOLDEN * (b - a);
    var f1 = criterionAt(g, x1);
    var f2 = criterionAt(g, x2);
    for (var i = 0u; i < 60u; i++) {
      if (f1 <= f2) { b = x2; x2 = x1; f2 = f1; x1 = a + GOLDEN * (b - a); f1 = criterionAt(g, x1); }
      else { a = x1; x1 = x2; f1 = f2; x2 = b - GOLDEN * (b - a); f2 = criterionAt(g, x2); }
    }
    evaluations += 62u;
    let hx = select(x2, x1, f1 <= f2);
    let fx = min(f1, f2);
    if (fx <= crit) { h = hx; crit = fx; }
  }

  var lambda = lambdaOf(h);
  if (sqrt(lambda) < SINGULAR_THETA) {
    lambda = 0.0;
    crit = vals[0];
  }
  let o = g * OUT_STRIDE;
  out[o + OUT_LAMBDA] = lambda;
  out[o + OUT_CRITERION] = crit;
  out[o + OUT_CRITERION_AT_ZERO] = vals[0];
  out[o + OUT_SCORE_AT_ZERO] = score0;
  out[o + OUT_EVALUATIONS] = f32(evaluations);
  out[o + OUT_CONVERGED] = converged;
  out[o + OUT_METHOD] = method;
  out[o + OUT_RESIDUAL] = residualAt(g, lambda);
}
