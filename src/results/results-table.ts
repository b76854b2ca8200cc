import type { Cell, Table } from '../io/table-format.js';
import type { Method } from '../model/terms/criterion.js';
import type { GeneResults } from './gene-results.js';
import { STATUSES } from './statuses.js';

/** The columns of `--bootstrap`, placed after h2_hi. */
export const BOOTSTRAP_COLUMNS = ['h2_boot_lo', 'h2_boot_hi', 'sigma2_group_boot_lo', 'sigma2_group_boot_hi',
  'sigma2_resid_boot_lo', 'sigma2_resid_boot_hi'] as const;

/** What a result table's columns depend on besides the coefficients (SPEC §5). */
export interface ResultShape {
  /** The random terms, named as lme4's VarCorr names them, in its order; one for the single-term table, [] for lm. */
  terms: readonly string[];
  method: Method;
  /** Names of the variance fractions (columns vp_NAME, vp_se_NAME), [] without them: terms, coefficients, `resid`. */
  fractions: readonly string[];
  rlrtExact: boolean;
  bootstrap: boolean;
  /** Names of the `--contrast`s (columns beta_NAME … q_NAME) and labels of the `--anova` terms (F_T … q_F_T). */
  contrasts: readonly string[];
  anova: readonly string[];
  /**
   * `--ebayes`: the column rdf after sigma2_resid (and df_prior after it for 'robust'), and mod_t_C mod_p_C mod_q_C
   * after each coefficient's and contrast's q_C.
   */
  ebayes: boolean | 'robust';
}

/** The single-term REML table without options: the shape of genelmm's first release. */
export const SINGLE_TERM_SHAPE: ResultShape = {
  terms: ['group'], method: 'reml', fractions: [], rlrtExact: false, bootstrap: false, contrasts: [], anova: [],
  ebayes: false,
};

/** Output column names of SPEC §5, in order, for the given coefficient names and shape. */
export function resultColumns(coefNames: readonly string[], shape: Partial<ResultShape> = {}): string[] {
  const { terms, method, fractions, rlrtExact, bootstrap, contrasts, anova, ebayes } = { ...SINGLE_TERM_SHAPE, ...shape };
  const rdf = ebayes === 'robust' ? ['rdf', 'df_prior'] : ebayes ? ['rdf'] : [];
  const loglik = `${method}_loglik`;
  const columns = ['gene', 'status', 'n'];
  if (terms.length === 1) {
    columns.push('n_groups', 'mean', 'sigma2_group', 'sigma2_resid', ...rdf, 'h2', 'h2_se', 'h2_lo', 'h2_hi');
    if (bootstrap) columns.push(...BOOTSTRAP_COLUMNS);
    columns.push(loglik, 'lrt', 'p_lrt', 'q_lrt');
    if (rlrtExact) columns.push('p_rlrt_exact', 'q_rlrt_exact');
  } else {
    columns.push(...terms.map((t) => `n_levels_${t}`), 'mean', ...terms.map((t) => `sigma2_${t}`), 'sigma2_resid', ...rdf, loglik);
    for (const t of terms) columns.push(`lrt_${t}`, `p_lrt_${t}`, `q_lrt_${t}`);
  }
  columns.push(...fractions.map((f) => `vp_${f}`), ...fractions.map((f) => `vp_se_${f}`));
  for (const c of [...coefNames, ...contrasts]) {
    columns.push(`beta_${c}`, `se_${c}`, `df_${c}`, `t_${c}`, `p_${c}`, `q_${c}`);
    if (ebayes) columns.push(`mod_t_${c}`, `mod_p_${c}`, `mod_q_${c}`);
  }
  for (const t of anova) columns.push(`F_${t}`, `ndf_${t}`, `ddf_${t}`, `p_F_${t}`, `q_F_${t}`);
  columns.push('iterations', 'converged', 'message');
  return columns;
}

const na = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** The moderated t, p and q of moderated column `c` (coefficients, then contrasts) of gene g. */
function pushModerated(row: Cell[], r: GeneResults, g: number, c: number): void {
  const i = g * r.nModerated + c;
  row.push(na(r.modT[i]), na(r.modP[i]), na(r.modQ[i]));
}

/** `--ebayes`' rdf, and the gene's own prior df with 'robust'. */
function pushResidualDf(row: Cell[], r: GeneResults, g: number, ebayes: ResultShape['ebayes']): void {
  if (ebayes) row.push(na(r.rdf[g]));
  if (ebayes === 'robust') row.push(na(r.dfPrior[g]));
}

/**
 * The results as the table SPEC §5 describes: one row per gene, in input order. Each row is made as it is read (a
 * table of 40,000 genes is not held as 40,000 arrays of cells), as often as the rows are read.
 */
export function resultTable(geneIds: string[], coefNames: string[], r: GeneResults, shape: Partial<ResultShape> = {}): Table {
  const full = { ...SINGLE_TERM_SHAPE, ...shape };
  return { columns: resultColumns(coefNames, full), rows: { [Symbol.iterator]: () => resultRows(geneIds, r, full) } };
}

function* resultRows(geneIds: string[], r: GeneResults, shape: ResultShape): Generator<Cell[]> {
  const { terms, rlrtExact, bootstrap, ebayes } = shape;
  const { p, nTerms, nFractions } = r;
  for (let g = 0; g < r.nGenes; g++) {
    const fitted = r.converged[g] !== 255;
    const row: Cell[] = [geneIds[g], STATUSES[r.status[g]], r.n[g]];
    if (terms.length === 1) {
      row.push(r.nGroups[g], na(r.mean[g]), na(r.sigma2G[g]), na(r.sigma2E[g]));
      pushResidualDf(row, r, g, ebayes);
      row.push(na(r.h2[g]), na(r.h2Se[g]), na(r.h2Lo[g]), na(r.h2Hi[g]));
      if (bootstrap) {
        row.push(na(r.h2BootLo[g]), na(r.h2BootHi[g]), na(r.sigma2GBootLo[g]), na(r.sigma2GBootHi[g]), na(r.sigma2EBootLo[g]),
          na(r.sigma2EBootHi[g]));
      }
      row.push(na(r.remlLogLik[g]), na(r.lrt[g]), na(r.pLrt[g]), na(r.qLrt[g]));
      if (rlrtExact) row.push(na(r.pRlrtExact[g]), na(r.qRlrtExact[g]));
    } else {
      for (let k = 0; k < nTerms; k++) row.push(fitted || r.nLevels[g * nTerms + k] > 0 ? r.nLevels[g * nTerms + k] : null);
      row.push(na(r.mean[g]));
      for (let k = 0; k < nTerms; k++) row.push(na(r.sigma2Terms[g * nTerms + k]));
      row.push(na(r.sigma2E[g]));
      pushResidualDf(row, r, g, ebayes);
      row.push(na(r.remlLogLik[g]));
      for (let k = 0; k < nTerms; k++) {
        const i = g * nTerms + k;
        row.push(na(r.lrtTerms[i]), na(r.pLrtTerms[i]), na(r.qLrtTerms[i]));
      }
    }
    for (let f = 0; f < nFractions; f++) row.push(na(r.vp[g * nFractions + f]));
    for (let f = 0; f < nFractions; f++) row.push(na(r.vpSe[g * nFractions + f]));
    for (let k = 0; k < p; k++) {
      const i = g * p + k;
      row.push(na(r.beta[i]), na(r.se[i]), na(r.df[i]), na(r.t[i]), na(r.pValue[i]), na(r.qValue[i]));
      if (ebayes) pushModerated(row, r, g, k);
    }
    for (let c = 0; c < r.nContrasts; c++) {
      const i = g * r.nContrasts + c;
      row.push(na(r.contrastEstimate[i]), na(r.contrastSe[i]), na(r.contrastDf[i]), na(r.contrastT[i]), na(r.contrastP[i]),
        na(r.contrastQ[i]));
      if (ebayes) pushModerated(row, r, g, p + c);
    }
    for (let a = 0; a < r.nAnova; a++) {
      const i = g * r.nAnova + a;
      row.push(na(r.anovaF[i]), na(r.anovaNdf[i]), na(r.anovaDdf[i]), na(r.anovaP[i]), na(r.anovaQ[i]));
    }
    row.push(fitted ? r.iterations[g] : null, fitted ? r.converged[g] === 1 : null, r.messages[g]);
    yield row;
  }
}
