// Draws of the exact RLRT's null distribution, one invocation per simulation, as rlrtNullDraw in
// src/stats/rlrt-null.ts: w = χ²_df (variable 0), U_j = χ²_{m_j} (variable j + 1) from the Philox stream of the
// seed, then the walk up the λ grid to the first decrease of f(λ) = (n − p) log(1 + N/D) − Σ m_j log(1 + λμ_j).
// The grid tables come from the host (rlrtNullSetup, f64, rounded to f32). Prepended with philox.wgsl.

/// log(1 + x) without losing a small x to 1 + x in f32 (WGSL has no log1p; the usual (1 + x) − 1
/// correction would be reassociated away). Below 1e-3 the series to x⁴ is exact to f32 precision.
fn log1p(x: f32) -> f32 {
  if (abs(x) < 1.0e-3) { return x * (1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))); }
  return logAccurate(1.0 + x);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.rowInvocations + gid.x;
  if (i >= params.nsim) { return; }
  let sim = params.simOffset + i;
  let key = vec2<u32>(params.key0, params.key1);
  let J = params.nValues;
  var u: array<f32, MAX_J>;
  var w = chiSquareEvenPart(params.df, key, sim, 0u);
  for (var j = 0u; j < J; j++) { u[j] = chiSquareEvenPart(multiplicity[j], key, sim, j + 1u); }
  // The odd parts: z_v² for each variable v of odd degrees of freedom, four variables to a Philox block.
  for (var v = 0u; v <= J; v++) {
    let k = select(multiplicity[max(v, 1u) - 1u], params.df, v == 0u);
    if ((k & 1u) == 0u) { continue; }
    let z2 = squaredNormalFromWords(philox(vec4<u32>(v >> 2u, sim, PHILOX_TAG_NORMAL, 0u), key), v);
    if (v == 0u) { w += z2; } else { u[v - 1u] += z2; }
  }
  var best = 0.0;
  for (var ig = 1u; ig < params.gridLength; ig++) {
    var num = 0.0;
    var den = w;
    for (var j = 0u; j < J; j++) {
      num += fN[ig * J + j] * u[j];
      den += fD[ig * J + j] * u[j];
    }
    let lr = params.n0 * log1p(num / den) - logDet[ig];
    if (lr >= best) { best = lr; } else { break; }
  }
  draws[i] = best;
}
