// The fit of a model with K scalar random intercepts (src/model/terms/), one invocation per gene: θ̂ minimising
// lme4's profiled criterion (criterion.ts' objective) from lme4's start θ = 1, then each term's drop-one refit
// (θ_k = 0, the others free, from θ̂), each by Nelder–Mead over θ with at most MAX_EVALUATIONS evaluations. The
// criterion is even in every θ_k, so the search runs over all of ℝ^K and reports |θ|. The host polishes every θ̂ in
// f64 (fitTermsGene from these starts) and refits on the CPU a gene whose search or polish did not converge.
//
// Prepended by the host with classes-groups.wgsl (M(λ) of the augmented design [Z_2 … Z_K X y] grouped by the first
// term's levels, params.p its width q2 + pFixed; see src/model/terms/terms-pattern.ts) and reml-common.wgsl (M and
// cholesky). A level of terms 2..K the gene has no value for leaves a zero row and column in M, so a pivot of 1 in
// Ω and nothing in the criterion: every gene of a batch shares the run's augmented design whatever its missing values.
//
// Output per gene [OUT_STRIDE]: fit 0 (the model) and fit k = 1..K (without term k), FIT_STRIDE floats each
// (θ [MAX_TERMS], then at OUT_CRITERION, OUT_EVALUATIONS, OUT_CONVERGED and OUT_PROBE the criterion, the search's
// evaluations, whether it converged, and its probes' least excess over the optimum), then the criterion at θ = 1
// (OUT_AT_START).

var<private> THETA: array<f32, MAX_TERMS>;
var<private> BEST: array<f32, MAX_TERMS>;
/// The free coordinates of THETA the search moves, [0, k).
var<private> FREE: array<u32, MAX_TERMS>;
/// Nelder–Mead's simplex: k + 1 vertices of MAX_TERMS coordinates (the free ones), and their criteria.
var<private> SIMPLEX: array<f32, MAX_SIMPLEX>;
var<private> VALUES: array<f32, MAX_VERTICES>;
var<private> CENTROID: array<f32, MAX_TERMS>;
var<private> TRIAL: array<f32, MAX_TERMS>;

/// D's diagonal at column a of the augmented design: θ of its term over Z_2..Z_K's columns, 1 over X's and y's.
fn scaleOf(a: u32) -> f32 {
  if (a < params.q2) { return THETA[termOfColumn[a]]; }
  return 1.0;
}

/// objective(θ) at THETA (criterion.ts, less 2 dof log(scale): a constant of the gene), or HUGE where Ω(θ) is not
/// positive definite or f32 cannot resolve it (SWAMP_LIMIT). updateL: Ω = D M(θ_1²) D + blockdiag(I_q2, 0) into M, factored in place.
fn termsObjective(g: u32) -> f32 {
  let m = params.p + 1u;
  let q2 = params.q2;
  let lambda = THETA[0] * THETA[0];
  assemble(g, lambda, 0u);
  // Past SWAMP_LIMIT, θ_a² M_aa swamps the 1 Ω adds to it in f32, and with it what keeps Z_k's columns (which sum to
  // the intercept's) apart from X: the factor's last pivots become rounding, and the criterion falls without bound.
  for (var a = 0u; a < q2; a++) {
    let da = scaleOf(a);
    if (da * da * M[a * m + a] > SWAMP_LIMIT) { return HUGE; }
  }
  for (var a = 0u; a < m; a++) {
    let da = scaleOf(a);
    for (var b = 0u; b <= a; b++) { M[a * m + b] *= da * scaleOf(b); }
    if (a < q2) { M[a * m + a] += 1.0; }
  }
  if (!cholesky(m)) { return HUGE; }
  var logDetL = logDetH(g, lambda);
  for (var i = 0u; i < q2; i++) { logDetL += 2.0 * log(M[i * m + i]); }
  var logDetRX = 0.0;
  for (var i = q2; i < q2 + params.pFixed; i++) { logDetRX += 2.0 * log(M[i * m + i]); }
  let r = M[m * m - 1u] * M[m * m - 1u];
  if (!(r > 0.0)) { return HUGE; }
  let n = observations(g);
  let reml = params.reml == 1u;
  let dof = select(n, n - f32(params.pFixed), reml);
  return logDetL + select(0.0, logDetRX, reml) + dof * (1.0 + LOG_2PI + log(r / dof));
}

/// The criterion at simplex vertex v (its free coordinates put into THETA).
fn atVertex(g: u32, v: u32, k: u32) -> f32 {
  for (var j = 0u; j < k; j++) { THETA[FREE[j]] = SIMPLEX[v * MAX_TERMS + j]; }
  return termsObjective(g);
}

/// The criterion at TRIAL = CENTROID + t (vertex hi − CENTROID).
fn atTrial(g: u32, hi: u32, k: u32, t: f32) -> f32 {
  for (var j = 0u; j < k; j++) {
    TRIAL[j] = CENTROID[j] + t * (SIMPLEX[hi * MAX_TERMS + j] - CENTROID[j]);
    THETA[FREE[j]] = TRIAL[j];
  }
  return termsObjective(g);
}

fn takeTrial(hi: u32, k: u32, f: f32) {
  for (var j = 0u; j < k; j++) { SIMPLEX[hi * MAX_TERMS + j] = TRIAL[j]; }
  VALUES[hi] = f;
}

/// Nelder–Mead (reflection 1, expansion 2, contraction ½, shrink ½) over the k free coordinates FREE of THETA, from
/// THETA, steps of max(STEP |θ_j|, STEP) for the first simplex; stops when the criteria of the vertices are within
/// F_TOLERANCE of max(|f|, n) (their rounding) and the simplex within X_TOLERANCE of its best vertex (relative to
/// max(1, |θ|)), or after MAX_EVALUATIONS. Leaves the best vertex in THETA; returns (criterion, evaluations, converged 1/0).
fn nelderMead(g: u32, k: u32) -> vec3<f32> {
  if (k == 0u) { return vec3<f32>(termsObjective(g), 1.0, 1.0); }
  for (var v = 0u; v <= k; v++) {
    for (var j = 0u; j < k; j++) {
      let x = THETA[FREE[j]];
      SIMPLEX[v * MAX_TERMS + j] = x + select(0.0, max(STEP * abs(x), STEP), v == j + 1u);
    }
  }
  var evaluations = 0u;
  for (var v = 0u; v <= k; v++) {
    VALUES[v] = atVertex(g, v, k);
    evaluations++;
  }
  var converged = 0.0;
  var lo = 0u;
  // The criterion's f32 rounding: of the sums of about n terms its large parts are (log|L|², n log r), which cancel.
  let noise = F_TOLERANCE * max(abs(VALUES[0]), observations(g));
  loop {
    lo = 0u;
    var hi = 0u;
    for (var v = 1u; v <= k; v++) {
      if (VALUES[v] < VALUES[lo]) { lo = v; }
      if (VALUES[v] >= VALUES[hi]) { hi = v; }
    }
    var nh = lo;
    for (var v = 0u; v <= k; v++) {
      if (v != hi && VALUES[v] >= VALUES[nh]) { nh = v; }
    }
    var size = 0.0;
    var reach = 1.0;
    for (var v = 0u; v <= k; v++) {
      for (var j = 0u; j < k; j++) {
        size = max(size, abs(SIMPLEX[v * MAX_TERMS + j] - SIMPLEX[lo * MAX_TERMS + j]));
        reach = max(reach, abs(SIMPLEX[v * MAX_TERMS + j]));
      }
    }
    if (VALUES[hi] - VALUES[lo] <= noise && size <= X_TOLERANCE * reach) {
      converged = 1.0;
      break;
    }
    if (evaluations >= MAX_EVALUATIONS) { break; }
    for (var j = 0u; j < k; j++) {
      var c = 0.0;
      for (var v = 0u; v <= k; v++) {
        if (v != hi) { c += SIMPLEX[v * MAX_TERMS + j]; }
      }
      CENTROID[j] = c / f32(k);
    }
    let fr = atTrial(g, hi, k, -1.0);
    evaluations++;
    if (fr < VALUES[lo]) {
      // Reflection is the best yet: try twice as far.
      for (var j = 0u; j < k; j++) { SIMPLEX[hi * MAX_TERMS + j] = TRIAL[j]; }
      let fe = atTrial(g, hi, k, 2.0); // CENTROID + 2 (reflected − CENTROID), the vertex now being the reflection
      evaluations++;
      if (fe < fr) { takeTrial(hi, k, fe); } else { VALUES[hi] = fr; }
    } else if (fr < VALUES[nh]) {
      takeTrial(hi, k, fr);
    } else {
      // Contraction: outside (towards the reflection) where it beat the worst vertex, else inside.
      let outside = fr < VALUES[hi];
      if (outside) { takeTrial(hi, k, fr); }
      let fc = atTrial(g, hi, k, 0.5);
      evaluations++;
      if (fc < VALUES[hi]) {
        takeTrial(hi, k, fc);
      } else {
        for (var v = 0u; v <= k; v++) {
          if (v == lo) { continue; }
          for (var j = 0u; j < k; j++) {
            SIMPLEX[v * MAX_TERMS + j] = SIMPLEX[lo * MAX_TERMS + j] + 0.5 * (SIMPLEX[v * MAX_TERMS + j] - SIMPLEX[lo * MAX_TERMS + j]);
          }
          VALUES[v] = atVertex(g, v, k);
          evaluations++;
        }
      }
    }
  }
  for (var j = 0u; j < k; j++) { THETA[FREE[j]] = SIMPLEX[lo * MAX_TERMS + j]; }
  return vec3<f32>(VALUES[lo], f32(evaluations), converged);
}

/// How far above the optimum in THETA (criterion f) the probes around it lie: each free coordinate set in turn to each
/// of THETA_PROBES, the others at the optimum (fit-terms.ts' escapeLocalOptima, which the host then skips where none
/// came near), each probe's excess f_probe − f over max(1, θ²) at the probe (the criterion's f32 rounding grows with
/// θ², see TERMS_CRITERION_ULPS); the least of them, or −HUGE where a probe could not be evaluated (the host probes
/// again). Leaves THETA as it found it.
fn probeExcess(g: u32, k: u32, f: f32) -> f32 {
  let probes = THETA_PROBES;
  var least = HUGE;
  for (var j = 0u; j < k; j++) {
    let at = THETA[FREE[j]];
    for (var i = 0u; i < N_PROBES; i++) {
      THETA[FREE[j]] = probes[i];
      let probe = termsObjective(g);
      if (probe >= HUGE) { least = -HUGE; }
      var size = 1.0;
      for (var t = 0u; t < MAX_TERMS; t++) { size = max(size, THETA[t] * THETA[t]); }
      least = min(least, (probe - f) / size);
    }
    THETA[FREE[j]] = at;
  }
  return least;
}

/// Writes fit `slot` (θ from THETA, the search's result, its probes' excess) of the gene whose output starts at o.
fn writeFit(g: u32, o: u32, slot: u32, k: u32, result: vec3<f32>) {
  let at = o + slot * FIT_STRIDE;
  out[at + OUT_PROBE] = probeExcess(g, k, result.x);
  for (var j = 0u; j < MAX_TERMS; j++) { out[at + j] = abs(THETA[j]); }
  out[at + OUT_CRITERION] = result.x;
  out[at + OUT_EVALUATIONS] = result.y;
  out[at + OUT_CONVERGED] = result.z;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = geneIndex(gid);
  if (g >= params.nGenes) { return; }
  let K = params.K;
  let o = g * OUT_STRIDE;
  for (var i = 0u; i < OUT_STRIDE; i++) { out[o + i] = 0.0; }
  for (var j = 0u; j < MAX_TERMS; j++) {
    THETA[j] = select(0.0, 1.0, j < K);
    FREE[j] = j;
  }
  out[o + OUT_AT_START] = termsObjective(g);
  writeFit(g, o, 0u, K, nelderMead(g, K));
  for (var j = 0u; j < MAX_TERMS; j++) { BEST[j] = THETA[j]; }
  for (var t = 0u; t < K; t++) {
    var k = 0u;
    for (var j = 0u; j < MAX_TERMS; j++) {
      THETA[j] = select(BEST[j], 0.0, j == t);
      if (j < K && j != t) {
        FREE[k] = j;
        k++;
      }
    }
    writeFit(g, o, t + 1u, k, nelderMead(g, k));
  }
}
