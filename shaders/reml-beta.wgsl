// β̂(λ̂) = (Xᵀ H⁻¹ X)⁻¹ Xᵀ H⁻¹ ỹ per gene after a search, added to β_ref, so that the next gene-stats run sums
// the residuals y − x·β_ref; λ̂ becomes the next search's start. Prepended with reml-common.wgsl.

const OUT_STRIDE: u32 = 8u;

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read> counts: array<f32>;
@group(0) @binding(3) var<storage, read> out: array<f32>;           // the search's output; λ̂ first
@group(0) @binding(4) var<storage, read_write> betaRef: array<f32>; // [nGenes × p]
@group(0) @binding(5) var<storage, read_write> start: array<f32>;   // [nGenes] the next search's start

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = geneIndex(gid);
  if (g >= params.nGenes) { return; }
  let p = params.p;
  let m = p + 1u;
  let lambda = out[g * OUT_STRIDE];
  start[g] = lambda;
  assemble(g, lambda, 0u);
  for (var i = 0u; i < p; i++) { COL[i] = M[i * m + p]; }
  if (!cholesky(m)) { return; }
  solveCol(m, p);
  for (var a = 0u; a < p; a++) { betaRef[g * p + a] += COL[a]; }
}
