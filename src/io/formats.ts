/** File formats of the inputs and outputs, and how a file name selects one. */

import { UsageError } from '../errors.js';

/** Layout of an expression matrix file: tab- or comma-delimited table, or GCT (tab-delimited with a preamble). */
export type MatrixFormat = 'tsv' | 'csv' | 'gct';

/** Layout of a sample sheet: a tab- or comma-delimited table. */
export type SheetFormat = 'tsv' | 'csv';

/** What a file name says about its contents: the format, and whether it is gzip-compressed. */
export interface FileKind {
  format: MatrixFormat;
  gzip: boolean;
}

const EXTENSIONS: Record<string, MatrixFormat> = { tsv: 'tsv', txt: 'tsv', tab: 'tsv', csv: 'csv', gct: 'gct' };

/**
 * What the name `path` says: gzip when it ends in `.gz`, and the format from the extension before that
 * (case-insensitive): `.tsv`, `.txt`, `.tab` tab-delimited, `.csv` comma-delimited, `.gct` GCT. A `given`
 * format wins over the extension; with none, any other extension is a UsageError.
 */
export function fileKindOf(path: string, given?: MatrixFormat): FileKind {
  const lower = path.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const stem = gzip ? lower.slice(0, -3) : lower;
  const dot = stem.lastIndexOf('.');
  const format = given ?? (dot < 0 ? undefined : EXTENSIONS[stem.slice(dot + 1)]);
  if (format === undefined) {
    throw new UsageError(
      `cannot tell the format of "${path}" from its name`,
      'name the file .tsv, .txt, .tab, .csv or .gct, optionally followed by .gz',
    );
  }
  return { format, gzip };
}

/** What the name of a sample sheet says: as fileKindOf, and a UsageError for GCT, which holds matrices only. */
export function sheetKindOf(path: string, given?: SheetFormat): { format: SheetFormat; gzip: boolean } {
  const { format, gzip } = fileKindOf(path, given);
  if (format === 'gct') throw new UsageError(`a sample sheet cannot be a GCT file: "${path}"`, 'give the sample sheet as .tsv or .csv');
  return { format, gzip };
}

/** The field delimiter of a format: a comma for CSV, a tab otherwise. */
export function delimiterOf(format: MatrixFormat): ',' | '\t' {
  return format === 'csv' ? ',' : '\t';
}
