// The uniform every program reads at binding 0 (src/gpu/program.ts writes it): sizes as uniforms, so one
// compiled pipeline serves every batch. Prepended by the host to every program.
struct Params {
  nGenes: u32,
  nObs: u32,
  p: u32,
  nGroups: u32,
  maxSize: u32,
  /// Invocations per row of a dispatch folded into 2-D.
  rowInvocations: u32,
};
