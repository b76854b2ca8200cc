import type { Cell, Table } from './io/table-format.js';
import { type GeneResults, STATUSES } from './results.js';

/** The columns of `--bootstrap`, placed after h2_hi. */
export const BOOTSTRAP_COLUMNS = ['h2_boot_lo', 'h2_boot_hi', 'sigma2_group_boot_lo', 'sigma2_group_boot_hi',
  'sigma2_resid_boot_lo', 'sigma2_resid_boot_hi'] as const;

/**
 * Output column names of SPEC §5, in order, for the given coefficient names; the exact RLRT's and the
 * bootstrap's when computed.
 */
export function resultColumns(coefNames: string[], rlrtExact = false, bootstrap = false): string[] {
  const columns = ['gene', 'status', 'n', 'n_groups', 'mean', 'sigma2_group', 'sigma2_resid', 'h2', 'h2_se', 'h2_lo', 'h2_hi'];
  if (bootstrap) columns.push(...BOOTSTRAP_COLUMNS);
  columns.push('reml_loglik', 'lrt', 'p_lrt', 'q_lrt');
  if (rlrtExact) columns.push('p_rlrt_exact', 'q_rlrt_exact');
  for (const c of coefNames) columns.push(`beta_${c}`, `se_${c}`, `df_${c}`, `t_${c}`, `p_${c}`, `q_${c}`);
  columns.push('iterations', 'converged', 'message');
  return columns;
}

const na = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** The results as the table SPEC §5 describes: one row per gene, in input order. */
export function resultTable(geneIds: string[], coefNames: string[], r: GeneResults, rlrtExact = false, bootstrap = false): Table {
  const rows: Cell[][] = new Array(r.nGenes);
  const p = r.p;
  for (let g = 0; g < r.nGenes; g++) {
    const fitted = r.converged[g] !== 255;
    const row: Cell[] = [geneIds[g], STATUSES[r.status[g]], r.n[g], r.nGroups[g], na(r.mean[g]), na(r.sigma2G[g]),
      na(r.sigma2E[g]), na(r.h2[g]), na(r.h2Se[g]), na(r.h2Lo[g]), na(r.h2Hi[g])];
    if (bootstrap) {
      row.push(na(r.h2BootLo[g]), na(r.h2BootHi[g]), na(r.sigma2GBootLo[g]), na(r.sigma2GBootHi[g]), na(r.sigma2EBootLo[g]),
        na(r.sigma2EBootHi[g]));
    }
    row.push(na(r.remlLogLik[g]), na(r.lrt[g]), na(r.pLrt[g]), na(r.qLrt[g]));
    if (rlrtExact) row.push(na(r.pRlrtExact[g]), na(r.qRlrtExact[g]));
    for (let k = 0; k < p; k++) {
      const i = g * p + k;
      row.push(na(r.beta[i]), na(r.se[i]), na(r.df[i]), na(r.t[i]), na(r.pValue[i]), na(r.qValue[i]));
    }
    row.push(fitted ? r.iterations[g] : null, fitted ? r.converged[g] === 1 : null, r.messages[g]);
    rows[g] = row;
  }
  return { columns: resultColumns(coefNames, rlrtExact, bootstrap), rows };
}
