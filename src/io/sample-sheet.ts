/**
 * The sample-sheet reader: one row per sample, covariates in columns, read with csv-parse (quotes work).
 * The id column is the one named `sample`, else the first; in R write.table's layout (the header one name short of the
 * data lines, as row names are written), the row names. Cells stay text; missing-value tokens become null.
 */

import type { Options } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { isMissing } from './cells.js';
import { csvParseOptions, fromCsvError, rowNamesLayout, toRecord, type DelimitedRecord } from './delimited-records.js';
import { delimiterOf, type SheetFormat } from './formats.js';
import * as errors from './input-errors.js';
import { ROW_NAMES, type SampleSheet } from './types.js';

/** Header of the column that holds the sample ids when present; otherwise the first column does. */
const SAMPLE_ID_COLUMN = 'sample';

/** Reads a sample sheet in `format` from `text`, the contents of a file named `name` (for messages). */
export function parseSampleSheet(text: string, name: string, format: SheetFormat = 'tsv'): SampleSheet {
  let records: DelimitedRecord[];
  let lastRecordEnd = 0;
  try {
    // Where each record ends, so that an unclosed quote is named at the line its record starts (fromCsvError).
    const options: Options = { ...csvParseOptions(delimiterOf(format)), on_record: (record, context) => {
      lastRecordEnd = context.lines;
      return record;
    } };
    records = (parse(text, options) as unknown[]).map((entry) => toRecord(entry, 0));
  } catch (error) {
    throw fromCsvError(error, name, 0, lastRecordEnd);
  }
  if (records.length === 0) throw errors.emptyFile(name, 'sample');
  const [header, ...rows] = records;
  if (rows.length === 0) throw errors.noDataRows(name, header.line, 'sample');
  const unnamedIds = rowNamesLayout(header.fields.length, rows.slice(0, 2).map(({ fields }) => ({ fields: fields.length, lastEmpty: fields[fields.length - 1] === '' })));
  const names = unnamedIds ? [ROW_NAMES, ...header.fields] : header.fields;
  const firstColumn = new Map<string, number>();
  names.forEach((columnName, k) => {
    const first = firstColumn.get(columnName);
    const column = unnamedIds ? k : k + 1; // the header's own columns
    if (first !== undefined) throw errors.duplicateColumn(name, 'column name', columnName, header.line, column, first);
    firstColumn.set(columnName, column);
  });
  // A column named `sample` holds the ids, the row names (R's automatic 1, 2, …) then left out; else the first column.
  const idIndex = Math.max(0, names.indexOf(SAMPLE_ID_COLUMN));
  const ids: string[] = [];
  const lines: number[] = [];
  const firstLine = new Map<string, number>();
  const cells: (string | null)[][] = names.map(() => []);
  for (const { fields, line } of rows) {
    if (fields.length !== names.length) throw errors.raggedRow(name, line, fields.length, names.length, unnamedIds ? rows[0].line : 0);
    const id = fields[idIndex];
    if (isMissing(id)) throw errors.missingRowId(name, 'sample', id, line, idIndex + 1);
    const first = firstLine.get(id);
    if (first !== undefined) throw errors.duplicateRowId(name, 'sample', id, line, idIndex + 1, first);
    firstLine.set(id, line);
    ids.push(id);
    lines.push(line);
    fields.forEach((cell, k) => cells[k].push(isMissing(cell) ? null : cell));
  }
  const columns = new Map(names.map((columnName, k) => [columnName, cells[k]] as const).filter((_, k) => k !== idIndex && !(unnamedIds && k === 0)));
  return { file: name, idColumn: names[idIndex], ids, columns, lines };
}
