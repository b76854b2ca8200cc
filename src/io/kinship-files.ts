/**
 * The CLI's kinship files (SPEC §1): which files a `--kinship` path names, and reading them for kinship-parse.ts.
 */
import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { Kinship } from '../model/kinship.js';
import { fromFileError, readText } from './file-source.js';
import { KINSHIP_SUFFIXES, type KinshipFormat, parseKinship } from './kinship-parse.js';

/**
 * Which file `path` names and its format: PREFIX with PREFIX.grm.bin, .grm.gz, .rel.bin or .rel beside it (in that
 * order), a path ending in one of those, or any other file as a square table.
 */
export function kinshipFormat(path: string): { format: KinshipFormat; file: string; idFile?: string } {
  for (const [suffix, format, ids] of KINSHIP_SUFFIXES) {
    if (path.endsWith(suffix)) return { format, file: path, idFile: path.slice(0, -suffix.length) + ids };
  }
  for (const [suffix, format, ids] of KINSHIP_SUFFIXES) {
    if (existsSync(path + suffix) && !statSync(path + suffix).isDirectory()) return { format, file: path + suffix, idFile: path + ids };
  }
  if (!existsSync(path)) {
    throw new InputError(`no such file, and no ${KINSHIP_SUFFIXES.map(([suffix]) => suffix).join(', ')} file beside it`, { file: path },
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
  return parseKinship(format, file, idFile, { text: readText, bytes: readBytes });
}

/** A file's bytes, read into a buffer of their size. */
async function readBytes(file: string): Promise<ArrayBuffer> {
  let handle;
  try {
    handle = await open(file, 'r');
    const size = (await handle.stat()).size;
    const buffer = new ArrayBuffer(size);
    const into = new Uint8Array(buffer);
    for (let done = 0; done < size;) {
      const { bytesRead } = await handle.read(into, done, Math.min(size - done, 1 << 30), done);
      if (bytesRead === 0) throw new InputError(`the file ended after ${done} of its ${size} bytes`, { file });
      done += bytesRead;
    }
    return buffer;
  } catch (error) {
    throw fromFileError(error, file);
  } finally {
    await handle?.close();
  }
}
