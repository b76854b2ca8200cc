import path from 'node:path';
import type { RunSummary } from './summary.js';

/** What the example's results mean, in a few lines for a first-time user. */
export function exampleExplanation(summary: RunSummary): string[] {
  const s = summary.statuses;
  const where = summary.output === '-' ? 'stdout' : path.resolve(summary.output);
  return [
    '',
    `Example: Bottomly et al. 2011, mouse striatum RNA-seq, ${summary.genes} genes × ${summary.samples.used} mice`,
    `  model:   log-CPM ${summary.inputs.formula}  (strain fixed, sequencing batch random)`,
    `  results: ${where}`,
    `  ${s.ok} genes fitted with a batch variance, ${s.singular} at the boundary (batch variance 0, status singular),`,
    `  ${s.constant} constant (all counts equal, mostly zero) and ${s.insufficient + s.filtered + s.failed} not fitted otherwise.`,
    '  Columns: sigma2_group is the between-batch variance, sigma2_resid the within-batch one, h2 the share of',
    '  variance due to batch (intra-class correlation); p_lrt/q_lrt test that share against 0;',
    '  beta_strainDBA/2J, p_strainDBA/2J and q_strainDBA/2J are the strain difference in log2 CPM and its test.',
    `  In R: read.delim("${summary.output === '-' ? 'results.tsv' : summary.output}", check.names = FALSE).`,
  ];
}
