/**
 * The bundled example, shared by `genelmm fit --example` and the web app's "Load example": Bottomly et al. 2011,
 * mouse striatum RNA-seq of two inbred strains sequenced in three batches (data/bottomly/SOURCE.md).
 */
export const EXAMPLE = {
  /** The files, relative to the package root. */
  expr: 'data/bottomly/bottomly_count_table.tsv',
  samples: 'data/bottomly/bottomly_phenodata.tsv',
  formula: '~ strain + (1 | experiment.number)',
  transform: 'logcpm',
} as const;
