import path from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/** The bundled example: Bottomly et al. 2011, mouse striatum, two strains in three sequencing batches. */
export const EXAMPLE = {
  expr: path.join(PACKAGE_ROOT, 'data/bottomly/bottomly_count_table.tsv'),
  samples: path.join(PACKAGE_ROOT, 'data/bottomly/bottomly_phenodata.tsv'),
  formula: '~ strain + (1 | experiment.number)',
  transform: 'logcpm',
  out: 'genelmm-example.tsv',
} as const;
