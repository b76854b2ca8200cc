/**
 * The results tables of a run's shards (`genelmm fit --shard I/N`) joined into the table the whole run writes:
 * rows in shard order, `--ebayes`' moderated t and p recomputed with the prior of all genes, and every q-value
 * column recomputed across all genes from its p-value column (each shard's are over its own genes only). Every
 * other cell is kept as the shard wrote it, byte for byte: numbers are written in shortest round-trip form, so the
 * values read back are the whole run's doubles and so is what is computed from them.
 */
import { InputError } from '../errors.js';
import { delimitedValue, formatTableChunks, type Cell, type TableFormat } from '../io/table-format.js';
import { moderatedTests } from '../stats/moderated-t.js';
import type { RobustVariancePrior } from '../stats/robust-prior.js';
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
  moderateAgain(names, rows.length, (g, c) => numberOf(rows[g][c]), (g, c, value) => {
    rows[g][c] = delimitedValue(value);
  });
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

/** [q column, p column] of every q_X (mod_q_X) column whose p_X (mod_p_X) column is there. */
function qValueColumns(names: readonly string[]): [number, number][] {
  const pairs: [number, number][] = [];
  names.forEach((name, q) => {
    const prefix = ['q_', 'mod_q_'].find((start) => name.startsWith(start));
    const p = prefix === undefined ? -1 : names.indexOf(`${prefix.replace('q_', 'p_')}${name.slice(prefix.length)}`);
    if (p >= 0) pairs.push([q, p]);
  });
  return pairs;
}

/**
 * `--ebayes`' moderated t and p of every mod_t_X column, from all the genes' sigma2_resid, rdf, t_X and df_X, as the
 * whole run computes them (moderated-t.ts; capped at the pooled df for a fixed-effects model, whose table has no
 * n_groups or n_levels_ column), with `--ebayes robust`'s prior and each gene's df_prior where that column is
 * there. Nothing without an rdf column.
 */
function moderateAgain(names: readonly string[], nGenes: number, get: (g: number, column: number) => number,
  set: (g: number, column: number, value: number) => void): void {
  const [sigma2, rdf] = [names.indexOf('sigma2_resid'), names.indexOf('rdf')];
  if (rdf < 0 || sigma2 < 0) return;
  const tested = names.filter((name) => name.startsWith('mod_t_')).map((name) => name.slice('mod_t_'.length));
  const at = (prefix: string): number[] => tested.map((name) => names.indexOf(`${prefix}${name}`));
  const [t, df, modT, modP] = [at('t_'), at('df_'), at('mod_t_'), at('mod_p_')];
  const columns = tested.map((_, c) => ({ t: (g: number) => get(g, t[c]), df: (g: number) => get(g, df[c]) }));
  const fixedOnly = !names.some((name) => name === 'n_groups' || name.startsWith('n_levels_'));
  const dfPrior = names.indexOf('df_prior');
  const tests = moderatedTests(nGenes, (g) => get(g, sigma2), (g) => get(g, rdf), columns, fixedOnly, dfPrior >= 0);
  if (dfPrior >= 0 && tests.prior !== undefined) (tests.prior as RobustVariancePrior).dfShrunk.forEach((v, g) => set(g, dfPrior, v));
  tested.forEach((_, c) => {
    for (let g = 0; g < nGenes; g++) {
      set(g, modT[c], tests.t[c][g]);
      set(g, modP[c], tests.p[c][g]);
    }
  });
}

/** A number cell as the writer wrote it: NA, Inf, -Inf or a number. */
function numberOf(field: string): number {
  return field === 'NA' ? NaN : field === 'Inf' ? Infinity : field === '-Inf' ? -Infinity : Number(field);
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
  moderateAgain(columns, rows.length, (g, c) => (typeof rows[g][c] === 'number' ? rows[g][c] as number : NaN), (g, c, value) => {
    rows[g][c] = Number.isNaN(value) ? null : value;
  });
  for (const [q, p] of qValueColumns(columns)) {
    const values = bhAdjust(rows.map((row) => (typeof row[p] === 'number' ? row[p] as number : NaN)));
    rows.forEach((row, g) => {
      row[q] = Number.isNaN(values[g]) ? null : values[g];
    });
  }
  yield* formatTableChunks({ columns, rows }, 'json');
}
