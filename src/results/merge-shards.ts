/**
 * The results tables of a run's shards (`genelmm fit --shard I/N`) joined into the table the whole run writes:
 * rows in shard order, and every q-value column recomputed across all genes from its p-value column (each
 * shard's q-values are over its own genes only). Every other cell is kept as the shard wrote it, byte for byte:
 * numbers are written in shortest round-trip form, so the p-values read back are the whole run's doubles and
 * so are the q-values computed from them.
 */
import { InputError } from '../errors.js';
import { formatTableChunks, type Cell, type TableFormat } from '../io/table-format.js';
import { bhAdjust } from '../stats/qvalues.js';

/** One shard's table: its text, the file it came from (for messages) and the rows its manifest says it has. */
export interface ShardText {
  file: string;
  text: string;
  rows: number;
}

/** The merged table's text, in chunks, in the shards' `format`. */
export function* mergeShardTables(shards: readonly ShardText[], format: TableFormat): Generator<string> {
  if (format === 'json') {
    yield* mergeJson(shards);
    return;
  }
  const delimiter = format === 'csv' ? ',' : '\t';
  const parsed = shards.map((shard) => ({ ...shard, records: rawRecords(shard, delimiter) }));
  for (const { file, records } of parsed) {
    if (records.length === 0) throw new InputError('the table is empty: not even a header line', { file }, 'fit that shard again');
  }
  const header = parsed[0].records[0];
  for (const { file, records, rows } of parsed) {
    if (records[0].join(delimiter) !== header.join(delimiter)) {
      throw new InputError(`its columns are not those of ${parsed[0].file}`, { file }, 'merge the shards of one run only');
    }
    checkRows(file, records.length - 1, rows);
  }
  const names = header.map(unquote);
  const rows = parsed.flatMap(({ records }) => records.slice(1));
  for (const [q, p] of qValueColumns(names)) {
    const values = bhAdjust(rows.map((row) => numberOf(row[p])));
    rows.forEach((row, g) => {
      row[q] = Number.isNaN(values[g]) ? 'NA' : String(values[g]);
    });
  }
  let chunk = `${header.join(delimiter)}\n`;
  for (const row of rows) {
    chunk += `${row.join(delimiter)}\n`;
    if (chunk.length >= 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

function checkRows(file: string, found: number, expected: number): void {
  if (found !== expected) {
    throw new InputError(`it has ${found} genes, and its manifest says ${expected}`, { file }, 'fit that shard again');
  }
}

/** [q column, p column] of every q_X column whose p_X column is there. */
function qValueColumns(names: readonly string[]): [number, number][] {
  const pairs: [number, number][] = [];
  names.forEach((name, q) => {
    const p = name.startsWith('q_') ? names.indexOf(`p_${name.slice(2)}`) : -1;
    if (p >= 0) pairs.push([q, p]);
  });
  return pairs;
}

/** A p-value cell as the writer wrote it: NA or a number. */
function numberOf(field: string): number {
  return field === 'NA' ? NaN : Number(field);
}

function unquote(field: string): string {
  return field.startsWith('"') ? field.slice(1, -1).replaceAll('""', '"') : field;
}

/**
 * The records of a delimited table as genelmm writes it, each a list of its fields as written (quotes kept): a
 * field is quoted when it holds the delimiter, a quote or a line break, with quotes doubled.
 */
function rawRecords({ file, text }: ShardText, delimiter: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') quoted = text[i + 1] === '"' ? (i++, true) : false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === delimiter || c === '\n') {
      fields.push(text.slice(start, i));
      start = i + 1;
      if (c === '\n') {
        records.push(fields);
        fields = [];
      }
    }
  }
  if (quoted || start !== text.length) {
    throw new InputError('the table ends inside a line (was it cut short?)', { file }, 'fit that shard again');
  }
  return records;
}

function* mergeJson(shards: readonly ShardText[]): Generator<string> {
  const tables = shards.map(({ file, text, rows }) => {
    let objects: Record<string, Cell>[];
    try {
      objects = JSON.parse(text);
    } catch {
      throw new InputError('not a JSON results table (was it cut short?)', { file }, 'fit that shard again');
    }
    checkRows(file, objects.length, rows);
    return { file, rows: objects };
  });
  const first = tables.find((t) => t.rows.length > 0);
  const columns = first === undefined ? [] : Object.keys(first.rows[0]);
  const rows = tables.flatMap(({ file, rows: objects }) => objects.map((object) => {
    if (Object.keys(object).join('\n') !== columns.join('\n')) {
      throw new InputError(`its columns are not those of ${first!.file}`, { file }, 'merge the shards of one run only');
    }
    return columns.map((c) => object[c]);
  }));
  for (const [q, p] of qValueColumns(columns)) {
    const values = bhAdjust(rows.map((row) => (typeof row[p] === 'number' ? row[p] as number : NaN)));
    rows.forEach((row, g) => {
      row[q] = Number.isNaN(values[g]) ? null : values[g];
    });
  }
  yield* formatTableChunks({ columns, rows }, 'json');
}
