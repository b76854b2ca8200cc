/**
 * A precision-weights matrix (`--weights FILE`, SPEC §1) matched to the expression matrix it weighs: the same genes
 * and samples, in any order, each weight positive and finite where the gene's value is observed. It is read whole
 * (the readers of the expression matrix), and each block of the expression matrix gets its weights in its own
 * layout as the run reaches it.
 */

import { InputError } from '../errors.js';
import { cellLocation } from './input-errors.js';
import type { ExpressionMatrix, GeneBlock } from './types.js';

export class WeightsMatrix {
  private readonly rowOf = new Map<string, number>();
  /** [expression matrix samples] the weights' column of each, after matchSamples. */
  private columnOf = new Int32Array(0);
  /** Per gene (row) of the weights, 1 once matched to a gene of the expression matrix. */
  private readonly matched: Uint8Array;

  constructor(readonly matrix: ExpressionMatrix) {
    matrix.geneIds.forEach((id, row) => this.rowOf.set(id, row));
    this.matched = new Uint8Array(matrix.nGenes);
  }

  get file(): string {
    return this.matrix.file;
  }

  /** Matches the expression matrix's samples (`sampleIds`, its columns) to the weights' columns: the same set. */
  matchSamples(sampleIds: string[], expressionFile: string): void {
    const { matrix } = this;
    const columns = new Map(matrix.sampleIds.map((id, c) => [id, c]));
    const missing = sampleIds.filter((id) => !columns.has(id));
    const expression = new Set(sampleIds);
    const extra = matrix.sampleIds.filter((id) => !expression.has(id));
    if (missing.length > 0 || extra.length > 0) {
      const listed = (ids: string[]): string => ids.slice(0, 5).map((id) => `"${id}"`).join(', ') + (ids.length > 5 ? ` and ${ids.length - 5} more` : '');
      throw new InputError([
        missing.length > 0 ? `no column for sample(s) ${listed(missing)} of ${expressionFile}` : '',
        extra.length > 0 ? `column(s) ${listed(extra)} are not samples of ${expressionFile}` : '',
      ].filter((s) => s !== '').join('; '), { file: matrix.file, line: matrix.lines?.header },
      'the weights matrix must have the same samples (columns) and genes (rows) as the expression matrix');
    }
    this.columnOf = Int32Array.from(sampleIds, (id) => columns.get(id)!);
  }

  /**
   * The weights of `block`'s genes [nGenes × nSamples] in the expression matrix's layout. Every weight of a sample
   * in `used` (the columns the design uses) where the gene is observed must be positive and finite.
   */
  blockWeights(block: GeneBlock, used: Int32Array): Float64Array {
    const { matrix, columnOf } = this;
    const nSamples = columnOf.length;
    const out = new Float64Array(block.nGenes * nSamples);
    for (let g = 0; g < block.nGenes; g++) {
      const id = block.geneIds[g];
      const row = this.rowOf.get(id);
      if (row === undefined) {
        throw new InputError(`no row for gene "${id}" of the expression matrix`, { file: matrix.file },
          'the weights matrix must have the same genes (rows) and samples (columns) as the expression matrix');
      }
      this.matched[row] = 1;
      const from = row * matrix.nSamples;
      for (let c = 0; c < nSamples; c++) out[g * nSamples + c] = matrix.values[from + columnOf[c]];
      for (const c of used) {
        const w = out[g * nSamples + c];
        if (w > 0 && w < Infinity) continue;
        if (Number.isNaN(block.values[g * nSamples + c])) continue; // the value is missing: its weight is not used
        throw new InputError(`the weight of gene "${id}" in sample "${matrix.sampleIds[columnOf[c]]}" is ${Number.isNaN(w) ? 'missing' : w}` +
          ', and weights must be positive and finite where the expression is observed',
        cellLocation(matrix.file, matrix.lines, row, columnOf[c]));
      }
    }
    return out;
  }

  /** After the last block: the weights' genes must all have been the expression matrix's; those that were not are named. */
  checkAllMatched(expressionFile: string): void {
    const extra = this.matrix.geneIds.filter((_, row) => this.matched[row] === 0);
    if (extra.length === 0) return;
    const shown = extra.slice(0, 10).map((id) => `"${id}"`).join(', ') + (extra.length > 10 ? ` and ${extra.length - 10} more` : '');
    throw new InputError(`${extra.length} gene(s) are not in ${expressionFile}: ${shown}`, { file: this.matrix.file },
      'the weights matrix must have the same genes (rows) and samples (columns) as the expression matrix');
  }
}
