/**
 * Readers of kinship (genetic relationship) matrices, SPEC §1: GCTA's binary GRM (PREFIX.grm.bin + .grm.id; the
 * .grm.N.bin counts are not needed), GCTA's .grm.gz, plink2's .rel.bin and .rel (any shape) with .rel.id, and a
 * square TSV/CSV whose header and first column are the ids. The matrix is kept as its lower triangle, in f32 as
 * GCTA stores it (a 20,000-individual GRM is 800 MB, read into place, never doubled) or f64.
 */
import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { Kinship } from '../model/kinship.js';
import { parseCell } from './cells.js';
import { fromFileError, readText } from './file-source.js';

/** The file formats, as `genelmm fit --help` and errors name them. */
export type KinshipFormat = 'gcta-bin' | 'gcta-gz' | 'plink2-rel-bin' | 'plink2-rel' | 'table';

/** Relative asymmetry of a square matrix's two halves beyond which it is refused (text rounding is far below it). */
const SYMMETRY_TOLERANCE = 1e-6;

/**
 * Which file `path` names and its format: PREFIX with PREFIX.grm.bin, .grm.gz, .rel.bin or .rel beside it (in that
 * order), a path ending in one of those, or any other file as a square table.
 */
export function kinshipFormat(path: string): { format: KinshipFormat; file: string; idFile?: string } {
  const suffixes: [string, KinshipFormat, string][] = [
    ['.grm.bin', 'gcta-bin', '.grm.id'], ['.grm.gz', 'gcta-gz', '.grm.id'], ['.rel.bin', 'plink2-rel-bin', '.rel.id'], ['.rel', 'plink2-rel', '.rel.id'],
  ];
  for (const [suffix, format, ids] of suffixes) {
    if (path.endsWith(suffix)) return { format, file: path, idFile: path.slice(0, -suffix.length) + ids };
  }
  for (const [suffix, format, ids] of suffixes) {
    if (existsSync(path + suffix) && !statSync(path + suffix).isDirectory()) return { format, file: path + suffix, idFile: path + ids };
  }
  if (!existsSync(path)) {
    throw new InputError(`no such file, and no ${suffixes.map(([suffix]) => suffix).join(', ')} file beside it`, { file: path },
      'give the prefix of GCTA or plink2 kinship files (as their --out), or a square TSV/CSV table with ids');
  }
  return { format: 'table', file: path };
}

/** The files a kinship path will read, for the checks made before any work starts. */
export function kinshipFiles(path: string): string[] {
  const { file, idFile } = kinshipFormat(path);
  return idFile === undefined ? [file] : [file, idFile];
}

/** Reads the kinship matrix `path` names (kinshipFormat); InputError naming file, line and column on bad input. */
export async function readKinship(path: string): Promise<Kinship> {
  const { format, file, idFile } = kinshipFormat(path);
  if (format === 'table') return readTable(file);
  const ids = await readIds(idFile!, format === 'gcta-bin' || format === 'gcta-gz' ? 'gcta' : 'plink2');
  const n = ids.length;
  if (format === 'gcta-gz') return { ids, triangle: await readGctaGz(file, n), source: file };
  if (format === 'plink2-rel') return { ids, triangle: await readRelText(file, n), source: file };
  return { ids, triangle: await readBinary(file, n, format), source: file };
}

/**
 * The IIDs of a .grm.id (`FID IID` per line, no header) or .rel.id (a `#FID IID` or `#IID` header, then rows).
 * Duplicates are an error.
 */
async function readIds(file: string, kind: 'gcta' | 'plink2'): Promise<string[]> {
  const lines = (await readText(file, false)).split(/\r?\n/);
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
    if (before !== undefined) throw new InputError(`individual "${id}" appears twice (first on line ${before})`, { file, line: i + 1 });
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
 * by the size), read into place.
 */
async function readBinary(file: string, n: number, format: 'gcta-bin' | 'plink2-rel-bin'): Promise<Float32Array | Float64Array> {
  const triangle = (n * (n + 1)) / 2;
  let handle;
  try {
    handle = await open(file, 'r');
    const bytes = (await handle.stat()).size;
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
    const values = width === 4 ? new Float32Array(square ? n * n : triangle) : new Float64Array(square ? n * n : triangle);
    const into = new Uint8Array(values.buffer);
    for (let done = 0; done < bytes;) {
      const { bytesRead } = await handle.read(into, done, Math.min(bytes - done, 1 << 30), done);
      if (bytesRead === 0) throw new InputError(`the file ended after ${done} of its ${bytes} bytes`, { file });
      done += bytesRead;
    }
    if (!square) return values;
    return squareToTriangle(values, n, (i, j) => ({ file, line: i + 1, column: j + 1 }));
  } catch (error) {
    throw fromFileError(error, file);
  } finally {
    await handle?.close();
  }
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
async function readGctaGz(file: string, n: number): Promise<Float64Array> {
  const out = new Float64Array((n * (n + 1)) / 2).fill(NaN);
  const lines = (await readText(file, true)).split(/\r?\n/);
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
async function readRelText(file: string, n: number): Promise<Float64Array> {
  const lines = (await readText(file, false)).split(/\r?\n/).filter((line, l, all) => line !== '' || l < all.length - 1);
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
async function readTable(file: string): Promise<Kinship> {
  const text = await readText(file, file.endsWith('.gz'));
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
