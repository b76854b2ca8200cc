/**
 * A results table as genelmm writes it (SPEC §5, TSV) read back into GeneResults, so that a run seen only through
 * its output (the web app's download) can be judged with compareResults like any other.
 */
import assert from 'node:assert/strict';
import { resultColumns } from '../../src/results/results-table.js';
import { allocateResults, type GeneResults } from '../../src/results/gene-results.js';
import { STATUSES, type Status } from '../../src/results/statuses.js';

const PER_GENE: Record<string, keyof GeneResults> = {
  mean: 'mean', sigma2_group: 'sigma2G', sigma2_resid: 'sigma2E', h2: 'h2', h2_se: 'h2Se', h2_lo: 'h2Lo', h2_hi: 'h2Hi',
  reml_loglik: 'remlLogLik', lrt: 'lrt', p_lrt: 'pLrt', q_lrt: 'qLrt', p_rlrt_exact: 'pRlrtExact', q_rlrt_exact: 'qRlrtExact',
  h2_boot_lo: 'h2BootLo', h2_boot_hi: 'h2BootHi', sigma2_group_boot_lo: 'sigma2GBootLo', sigma2_group_boot_hi: 'sigma2GBootHi',
  sigma2_resid_boot_lo: 'sigma2EBootLo', sigma2_resid_boot_hi: 'sigma2EBootHi',
};
const PER_COEF: Record<string, keyof GeneResults> = { beta: 'beta', se: 'se', df: 'df', t: 't', p: 'pValue', q: 'qValue' };

/** The gene ids, coefficient names and results of a TSV results table; asserts its columns are SPEC §5's. */
export function readResultsTsv(text: string): { geneIds: string[]; coefNames: string[]; results: GeneResults } {
  const lines = text.trimEnd().split('\n');
  const columns = lines[0].split('\t');
  const coefNames = columns.filter((c) => c.startsWith('beta_')).map((c) => c.slice('beta_'.length));
  assert.deepEqual(columns, resultColumns(coefNames, { rlrtExact: columns.includes('p_rlrt_exact'), bootstrap: columns.includes('h2_boot_lo') }),
    'the columns of SPEC §5');
  const r = allocateResults(lines.length - 1, coefNames.length);
  const geneIds: string[] = [];
  const number = (cell: string): number => (cell === 'NA' ? NaN : Number(cell));
  lines.slice(1).forEach((line, g) => {
    const cells = line.split('\t');
    columns.forEach((column, k) => {
      const cell = cells[k];
      if (column === 'gene') geneIds.push(cell);
      else if (column === 'status') r.status[g] = STATUSES.indexOf(cell as Status);
      else if (column === 'n') r.n[g] = number(cell);
      else if (column === 'n_groups') r.nGroups[g] = number(cell);
      else if (column === 'iterations') r.iterations[g] = cell === 'NA' ? 0 : number(cell);
      else if (column === 'converged') r.converged[g] = cell === 'NA' ? 255 : cell === 'TRUE' ? 1 : 0;
      else if (column === 'message') r.messages[g] = cell === 'NA' ? null : cell;
      else if (PER_GENE[column] !== undefined) (r[PER_GENE[column]] as Float64Array)[g] = number(cell);
      else {
        const cut = column.indexOf('_');
        const field = PER_COEF[column.slice(0, cut)];
        if (field !== undefined) (r[field] as Float64Array)[g * r.p + coefNames.indexOf(column.slice(cut + 1))] = number(cell);
      }
    });
  });
  return { geneIds, coefNames, results: r };
}
