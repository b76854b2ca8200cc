/**
 * The parsers of kinship (genetic relationship) matrices, SPEC §1, on their files' text and bytes, for the CLI
 * (kinship-files.ts reads the files) and the web app (its worker reads the user's File objects): GCTA's binary GRM
 * (PREFIX.grm.bin + .grm.id; the .grm.N.bin counts are not needed), GCTA's .grm.gz, plink2's .rel.bin and .rel (any
 * shape) with .rel.id, and a square TSV/CSV whose header and first column are the ids. The matrix is kept as its
 * lower triangle, in f32 as GCTA stores it (a 20,000-individual GRM is 800 MB, viewed in place, never doubled) or f64.
 */
import { InputError } from '../errors.js';
import type { Kinship } from '../model/kinship.js';
import { parseCell } from './cells.js';

/** The file formats, as `genelmm fit --help` and errors name them. */
export type KinshipFormat = 'gcta-bin' | 'gcta-gz' | 'plink2-rel-bin' | 'plink2-rel' | 'table';

/** The matrix suffixes, in the order a prefix is looked up, with their format and id file's suffix. */
export const KINSHIP_SUFFIXES: readonly [string, KinshipFormat, string][] = [
  ['.grm.bin', 'gcta-bin', '.grm.id'], ['.grm.gz', 'gcta-gz', '.grm.id'], ['.rel.bin', 'plink2-rel-bin', '.rel.id'], ['.rel', 'plink2-rel', '.rel.id'],
];

/** Relative asymmetry of a square matrix's two halves beyond which it is refused (text rounding is far below it). */
const SYMMETRY_TOLERANCE = 1e-6;

/** Where a kinship's files come from: their text (gunzipped for gzip) and their bytes, by name. */
export interface KinshipFileReader {
  text(name: string, gzip: boolean): Promise<string>;
  /** The file's bytes in an ArrayBuffer of their own (offset 0), so that a binary matrix is viewed in place. */
  bytes(name: string): Promise<ArrayBuffer>;
}

/** The kinship in `file` of `format` (with its id file, for all but a table), read through `reader`. */
export async function parseKinship(format: KinshipFormat, file: string, idFile: string | undefined, reader: KinshipFileReader): Promise<Kinship> {
  if (format === 'table') return parseTable(await reader.text(file, /\.gz$/i.test(file)), file);
  const ids = parseIds(await reader.text(idFile!, false), idFile!, format === 'gcta-bin' || format === 'gcta-gz' ? 'gcta' : 'plink2');
  const n = ids.length;
  if (format === 'gcta-gz') return { ids, triangle: parseGctaGz(await reader.text(file, true), file, n), source: file };
  if (format === 'plink2-rel') return { ids, triangle: parseRelText(await reader.text(file, false), file, n), source: file };
  return { ids, triangle: binaryTriangle(await reader.bytes(file), file, n, format), source: file };
}

/**
 * Which of the files `names` (as a file picker gives them) hold a kinship: a matrix named as GCTA or plink2 name
 * theirs with its id file, or one other file as a square table.
 */
export function kinshipFormatOfNames(names: readonly string[]): { format: KinshipFormat; file: string; idFile?: string } {
  for (const [suffix, format, ids] of KINSHIP_SUFFIXES) {
    const file = names.find((name) => name.endsWith(suffix));
    if (file === undefined) continue;
    const idFile = file.slice(0, -suffix.length) + ids;
    if (!names.includes(idFile)) {
      throw new InputError(`its id file ${idFile} is not among the files chosen`, { file }, `choose ${file} and ${idFile} together`);
    }
    return { format, file, idFile };
  }
  if (names.length !== 1) {
    throw new InputError(`${names.length} files, none of them a ${KINSHIP_SUFFIXES.map(([suffix]) => suffix).join(', ')} matrix`, { file: names.join(', ') },
      'choose a GCTA or plink2 matrix with its .id file, or one square TSV/CSV table with ids');
  }
  return { format: 'table', file: names[0] };
}

/**
 * The IIDs of a .grm.id (`FID IID` per line, no header) or .rel.id (a `#FID IID` or `#IID` header, then rows).
 * Duplicates are an error.
 */
function parseIds(text: string, file: string, kind: 'gcta' | 'plink2'): string[] {
  const lines = text.split(/\r?\n/);
  let column = 1;
  let first = 0;
  if (kind === 'plink2' && lines[0]?.startsWith('#')) {
    const header = lines[0].slice(1).trim().split(/\s+/);
    column = header.indexOf('IID');
    if (column < 0) throw new InputError(`the header "${lines[0]}" has no IID column`, { file, line: 1 });
    first = 1;
  }
  const ids: string[] = [];
  const seen = new Map<string, number>();
  for (let i = first; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = lines[i].trim().split(/\s+/);
    const id = fields[column] ?? (kind === 'plink2' && first === 0 ? fields[0] : undefined);
    if (id === undefined) {
      throw new InputError(`expected FID and IID, found ${fields.length} field(s)`, { file, line: i + 1 },
        'an id file has the family id and the individual id on each line');
    }
    const before = seen.get(id);
    if (before !== undefined) {
      throw new InputError(`individual "${id}" appears twice (first on line ${before})`, { file, line: i + 1 },
        'the kinship\'s individuals are matched to the sample sheet by their individual id (IID) alone, so each must be unique: ' +
        'where families share IIDs, make them unique (e.g. FID_IID) in the .fam and build the GRM again');
    }
    seen.set(id, i + 1);
    ids.push(id);
  }
  if (ids.length === 0) throw new InputError('no ids', { file }, 'the id file lists one individual per line');
  return ids;
}

/** Lower-triangle index of (i, j ≤ i). */
function at(i: number, j: number): number {
  return (i * (i + 1)) / 2 + j;
}

/**
 * A GCTA .grm.bin (f32 lower triangle) or a plink2 .rel.bin (square or triangle, f64 or f32 with `bin4`, told apart
 * by the size), viewed in place in `buffer` (the file's bytes, in a buffer of their own: a GRM is not copied).
 */
function binaryTriangle(buffer: ArrayBuffer, file: string, n: number, format: 'gcta-bin' | 'plink2-rel-bin'): Float32Array | Float64Array {
  const triangle = (n * (n + 1)) / 2;
  const bytes = buffer.byteLength;
  const shapes: [number, 4 | 8, boolean][] = format === 'gcta-bin'
    ? [[triangle * 4, 4, false]]
    : [[n * n * 8, 8, true], [n * n * 4, 4, true], [triangle * 8, 8, false], [triangle * 4, 4, false]];
  const shape = shapes.find(([size]) => size === bytes);
  if (shape === undefined) {
    const expected = shapes.map(([size]) => size).join(' or ');
    throw new InputError(`${bytes} bytes, where ${n} individuals (the id file's lines) need ${expected}: ` +
      (bytes < shapes[shapes.length - 1][0] ? 'the file is truncated' : 'the id file and the matrix do not belong together'), { file },
    'make the matrix and its id file again with the same command');
  }
  const [, width, square] = shape;
  const values = width === 4 ? new Float32Array(buffer) : new Float64Array(buffer);
  if (!square) return values;
  return squareToTriangle(values, n, (i, j) => ({ file, line: i + 1, column: j + 1 }));
}

/** The lower triangle of a row-major square matrix, which must be symmetric (`where`: the entry's place in the file). */
function squareToTriangle(square: Float32Array | Float64Array, n: number,
  where: (i: number, j: number) => { file: string; line?: number; column?: number }): Float64Array {
  const out = new Float64Array((n * (n + 1)) / 2);
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(square[i * n + i]));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const a = square[i * n + j];
      const b = square[j * n + i];
      if (!(Math.abs(a - b) <= SYMMETRY_TOLERANCE * largest)) {
        throw new InputError(`the matrix is not symmetric: entry (${i + 1}, ${j + 1}) is ${a} and (${j + 1}, ${i + 1}) is ${b}`, where(i, j),
          'a kinship is a covariance matrix; check that rows and columns list the individuals in the same order');
      }
      out[at(i, j)] = a;
    }
  }
  return out;
}

/** A number of a text matrix, or an InputError at its place. */
function numberAt(text: string, file: string, line: number, column: number): number {
  const v = parseCell(text);
  if (v === undefined || !Number.isFinite(v)) {
    throw new InputError(`"${text}" is not a number`, { file, line, column }, 'a kinship matrix has a finite number in every entry');
  }
  return v;
}

/** GCTA's .grm.gz: `i j N value` per line, 1-based, j ≤ i; every pair once. */
function parseGctaGz(text: string, file: string, n: number): Float64Array {
  const out = new Float64Array((n * (n + 1)) / 2).fill(NaN);
  const lines = text.split(/\r?\n/);
  for (let l = 0; l < lines.length; l++) {
    if (lines[l].trim() === '') continue;
    const fields = lines[l].trim().split(/\s+/);
    if (fields.length !== 4) throw new InputError(`expected 4 fields (i j N value), found ${fields.length}`, { file, line: l + 1 });
    const i = Number(fields[0]);
    const j = Number(fields[1]);
    if (!Number.isInteger(i) || !Number.isInteger(j) || j < 1 || i < j || i > n) {
      throw new InputError(`"${fields[0]} ${fields[1]}" is not a pair of the lower triangle of ${n} individuals (the id file's lines)`,
        { file, line: l + 1, column: 1 }, 'the id file and the matrix must come from the same run');
    }
    out[at(i - 1, j - 1)] = numberAt(fields[3], file, l + 1, 4);
  }
  const gap = out.findIndex((v) => Number.isNaN(v));
  if (gap >= 0) {
    const i = Math.floor((Math.sqrt(8 * gap + 1) - 1) / 2);
    throw new InputError(`no entry for the pair ${i + 1} ${gap - at(i, 0) + 1}: the file is truncated or the id file has more individuals`, { file });
  }
  return out;
}

/** plink2's text .rel: n lines, each a row of the square matrix (square, square0) or of its lower triangle (triangle). */
function parseRelText(text: string, file: string, n: number): Float64Array {
  const lines = text.split(/\r?\n/).filter((line, l, all) => line !== '' || l < all.length - 1);
  if (lines.length !== n) {
    throw new InputError(`${lines.length} line(s), where the id file lists ${n} individuals`, { file, line: Math.min(lines.length, n) + 1 },
      'make the matrix and its id file again with the same command');
  }
  const rows = lines.map((line, i) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== n && fields.length !== i + 1) {
      throw new InputError(`${fields.length} value(s), where a row of ${n} individuals has ${n} (square) or ${i + 1} (triangle)`, { file, line: i + 1 });
    }
    return fields.map((text, j) => numberAt(text, file, i + 1, j + 1));
  });
  return triangleOfRows(rows, n, file, 0);
}

/** The lower triangle of text rows, square or triangular, checked for symmetry (lineOffset: lines before row 0). */
function triangleOfRows(rows: number[][], n: number, file: string, lineOffset: number, columnOffset = 0): Float64Array {
  if (rows.every((row) => row.length === n) && rows.some((row, i) => row.slice(i + 1).some((v) => v !== 0))) {
    const square = new Float64Array(n * n);
    rows.forEach((row, i) => square.set(row, i * n));
    return squareToTriangle(square, n, (i, j) => ({ file, line: lineOffset + i + 1, column: columnOffset + j + 1 }));
  }
  const out = new Float64Array((n * (n + 1)) / 2);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[at(i, j)] = rows[i][j];
  return out;
}

/**
 * A square table: a header of ids (after one label cell), then one row per id, in the same order, starting with it.
 * Tab-separated, or comma-separated for a .csv.
 */
function parseTable(text: string, file: string): Kinship {
  const delimiter = /\.csv(\.gz)?$/.test(file) ? ',' : '\t';
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new InputError('the file is empty', { file }, 'a kinship table has a header of ids, then one row per id');
  const ids = lines[0].split(delimiter).slice(1).map((id) => id.trim());
  const n = ids.length;
  if (n === 0) {
    throw new InputError(`the header has no ids${delimiter === '\t' ? ' (no tab in it)' : ''}`, { file, line: 1 },
      `a kinship table's header is a label, then the ids, separated by ${delimiter === '\t' ? 'tabs' : 'commas'}; GCTA and plink2 files are named by their prefix`);
  }
  const seen = new Map<string, number>();
  ids.forEach((id, j) => {
    if (seen.has(id)) throw new InputError(`id "${id}" appears twice in the header (columns ${seen.get(id)! + 2} and ${j + 2})`, { file, line: 1, column: j + 2 });
    seen.set(id, j);
  });
  if (lines.length - 1 !== n) {
    throw new InputError(`${lines.length - 1} row(s) for the ${n} ids of the header`, { file, line: Math.min(lines.length, n + 1) + 1 },
      'a kinship table is square: one row per id of the header');
  }
  const rows = lines.slice(1).map((line, i) => {
    const fields = line.split(delimiter);
    if (fields[0].trim() !== ids[i]) {
      throw new InputError(`row ${i + 1} is "${fields[0].trim()}", where the header's column ${i + 2} is "${ids[i]}"`, { file, line: i + 2, column: 1 },
        'list the rows in the order of the header\'s ids');
    }
    if (fields.length !== n + 1) throw new InputError(`${fields.length - 1} value(s) for ${n} ids`, { file, line: i + 2 });
    return fields.slice(1).map((cell, j) => numberAt(cell.trim(), file, i + 2, j + 2));
  });
  return { ids, triangle: triangleOfRows(rows, n, file, 1, 1), source: file };
}
