// Moment-based (ANOVA / Henderson III) start λ0 per gene, as src/model/starting-values.ts:
//   σ²_e0 = SSE([X Z]) / (n − rank[X Z]),  σ²_g0 = (SSE(X) − SSE([X Z]) − (rank[X Z] − p) σ²_e0) / tr(Zᵀ(I − P_X)Z).
// Writes max(0, σ²_g0 / σ²_e0), or −1 where there are no within-group degrees of freedom.
// Prepended with a classes file and reml-common.wgsl.

/// A column counts as dependent when its pivot is below this share of its total sum of squares (f32).
const RANK_TOLERANCE_F32: f32 = 1.0e-5;

var<private> KEPT: array<u32, MAX_M>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = geneIndex(gid);
  if (g >= params.nGenes) { return; }
  let p = params.p;
  let m = p + 1u;
  let base = statsBase(g);
  let n = observations(g);

  // M(0) = XᵀX etc.: its diagonal scales the rank decisions.
  assemble(g, 0.0, 0u);
  var total: array<f32, MAX_M>;
  for (var j = 0u; j < m; j++) { total[j] = M[j * m + j]; }

  // Rank-revealing regression of y on X within groups: SSE([X Z]) and rank(W_xx).
  for (var i = 0u; i < m * m; i++) { M[i] = stats[base + i]; }
  var rank = 0u;
  var within = 0.0;
  for (var j = 0u; j < m; j++) {
    var d = M[j * m + j];
    for (var t = 0u; t < rank; t++) { d -= M[j * m + KEPT[t]] * M[j * m + KEPT[t]]; }
    if (j == p) { within = max(d, 0.0); break; }
    if (!(d > RANK_TOLERANCE_F32 * total[j])) { continue; }
    let ljj = sqrt(d);
    M[j * m + j] = ljj;
    for (var i = j + 1u; i < m; i++) {
      var s = M[i * m + j];
      for (var t = 0u; t < rank; t++) { s -= M[i * m + KEPT[t]] * M[j * m + KEPT[t]]; }
      M[i * m + j] = s / ljj;
    }
    KEPT[rank] = j;
    rank++;
  }
  let q = classMembers(g);
  let dofE = n - q - f32(rank);
  if (dofE <= 0.0 || !(within > 0.0)) { start[g] = -1.0; return; }
  let sigma2E0 = within / dofE;

  assemble(g, 0.0, 0u);
  if (!cholesky(m)) { start[g] = -1.0; return; }
  let sseX = M[p * m + p] * M[p * m + p];
  var trace = traceZZ(g);
  for (var a = 0u; a < p; a++) {
    for (var i = 0u; i < p; i++) { COL[i] = select(0.0, 1.0, i == a); }
    solveCol(m, p);  // column a of (XᵀX)⁻¹
    for (var b = 0u; b < p; b++) { trace -= COL[b] * classXtx(g, b, a); }
  }
  if (!(trace > 0.0)) { start[g] = -1.0; return; }
  let sigma2G0 = (sseX - within - (q + f32(rank) - f32(p)) * sigma2E0) / trace;
  start[g] = max(0.0, sigma2G0 / sigma2E0);
}
