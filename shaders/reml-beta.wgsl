// β̂(λ̂) = (Xᵀ H⁻¹ X)⁻¹ Xᵀ H⁻¹ ỹ per gene after a search, added to β_ref, so that the next gene-stats run sums
// the residuals y − x·β_ref; λ̂ becomes the next search's start. Prepended with a classes file and reml-common.wgsl.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = geneIndex(gid);
  if (g >= params.nGenes) { return; }
  let p = params.p;
  let m = p + 1u;
  let lambda = out[g * OUT_STRIDE + OUT_LAMBDA];
  start[g] = lambda;
  assemble(g, lambda, 0u);
  for (var i = 0u; i < p; i++) { COL[i] = M[i * m + p]; }
  if (!cholesky(m)) { return; }
  solveCol(m, p);
  for (var a = 0u; a < p; a++) { betaRef[g * p + a] += COL[a]; }
}
