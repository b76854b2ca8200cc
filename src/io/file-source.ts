/** The bytes of an input file, gunzipped on the fly, with read progress and file errors as InputErrors. */

import { type FileHandle, open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';
import { HEAD_BYTES, refuseLoneCarriageReturns } from './line-endings.js';

const CHUNK_BYTES = 1 << 20;

/** An opened input: its text in chunks, and the size of that text when it can be known before reading. */
export interface FileSource {
  /**
   * The (gunzipped) contents in chunks of about 1 MiB. A chunk may be overwritten by the next one:
   * a consumer that keeps bytes across chunks copies them.
   */
  chunks: AsyncIterable<Uint8Array>;
  /** Bytes of text the chunks will add up to: exact for a plain file, gzip's own record for a `.gz`. */
  textBytes: number;
}

/**
 * Opens the file at `path`, gunzipping it when `gzip` is true. `onProgress` receives the number of bytes
 * of the file itself (compressed, for gzip) read so far. Throws InputError when the file cannot be opened.
 * The file stays open from here (what is checked is what is read, and a named pipe keeps its data) until its
 * chunks end, fail or are returned from, before their first `next()` too.
 */
export async function openFile(path: string, gzip: boolean, onProgress?: (bytesRead: number) => void): Promise<FileSource> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (!gzip) {
      await refuseUnreadable(handle, stats.size, path);
      return { chunks: releasing(readChunks(handle, onProgress), handle), textBytes: stats.size };
    }
    // gzip's trailer holds the uncompressed size modulo 2^32 (of the last member only, for bgzip files); a pipe's is
    // not known before its end.
    const trailer = new Uint8Array(4);
    if (stats.isFile()) await handle.read(trailer, 0, 4, Math.max(0, stats.size - 4));
    return { chunks: releasing(gunzippedChunks(handle, path, onProgress), handle), textBytes: new DataView(trailer.buffer).getUint32(0, true) };
  } catch (error) {
    await handle?.close();
    throw fromFileError(error, path);
  }
}

/**
 * `chunks`, whose `return()` before the first `next()` closes `handle` (a generator that has not started runs no
 * `finally`); once started, the generator closes it itself.
 */
function releasing(chunks: AsyncGenerator<Uint8Array>, handle: FileHandle): AsyncIterableIterator<Uint8Array> {
  let started = false;
  return {
    next: () => {
      started = true;
      return chunks.next();
    },
    return: async (value?: unknown) => {
      if (!started) await handle.close();
      return chunks.return(value);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Refuses, as an InputError naming the file, what would otherwise read as garbled text: gzip data under a name
 * without `.gz`, and lines ended by a carriage return alone (refuseLoneCarriageReturns). Looks at the file's first
 * HEAD_BYTES only (read in place: the file's position is kept).
 */
async function refuseUnreadable(handle: FileHandle, fileBytes: number, path: string): Promise<void> {
  const head = new Uint8Array(Math.min(HEAD_BYTES, fileBytes));
  await handle.read(head, 0, head.length, 0);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw new InputError('the file is gzip-compressed, but its name does not end in .gz', { file: path },
      'rename it to end in .gz (genelmm then gunzips it as it reads), or gunzip it');
  }
  refuseLoneCarriageReturns(head, head.length === fileBytes, path);
}

/**
 * The gunzipped chunks of the open file `handle` (named `path`), its first HEAD_BYTES of text looked at as
 * refuseUnreadable looks at a plain file's. The read stream closes the file when it ends or is destroyed: leaving the
 * loop (an error, or the consumer's return()) destroys the streams.
 */
async function* gunzippedChunks(handle: FileHandle, path: string, onProgress?: (bytesRead: number) => void): AsyncGenerator<Uint8Array> {
  const raw = counted(handle.createReadStream({ highWaterMark: CHUNK_BYTES }), onProgress);
  // Errors surface through the returned stream; the callback only keeps pipeline from throwing them again.
  const gunzipped = pipeline(raw, createGunzip({ chunkSize: CHUNK_BYTES }), () => {});
  let first = true;
  for await (const chunk of gunzipped) {
    if (first) refuseLoneCarriageReturns(chunk.subarray(0, HEAD_BYTES), false, path);
    first = false;
    yield chunk;
  }
}

/**
 * Checks that `path` names a file that exists, before anything is read from it: throws InputError naming it
 * when it is missing, cannot be reached or is a folder.
 */
export async function checkInputFile(path: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw fromFileError(error, path);
  }
  if (isDirectory) throw new InputError('this is a folder, not a file', { file: path }, 'give the path of a file inside it');
}

/** The whole text of the file at `path` (UTF-8), gunzipped when `gzip` is true; for small files such as sample sheets. */
export async function readText(path: string, gzip: boolean): Promise<string> {
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of (await openFile(path, gzip)).chunks) parts.push(chunk.slice());
  } catch (error) {
    throw fromFileError(error, path);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}

/** An error from opening, reading or gunzipping `file` as an InputError naming it; any other error unchanged. */
export function fromFileError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || error instanceof InputError) return error;
  const message = (error as Error).message;
  if (code.startsWith('Z_')) {
    return new InputError(`cannot gunzip the file: ${message}`, { file }, 'check that the file is complete and gzip-compressed, or drop the .gz suffix');
  }
  if (['ENOENT', 'EACCES', 'EISDIR', 'EPERM'].includes(code)) {
    return new InputError(`cannot read the file (${code})`, { file }, 'check the path and the file permissions');
  }
  return error;
}

/** The open file `handle` in chunks read into one reused buffer, closed at the end: fresh memory is the slow part of reading a large file. */
async function* readChunks(handle: FileHandle, onProgress?: (bytesRead: number) => void): AsyncGenerator<Uint8Array> {
  try {
    const buffer = new Uint8Array(CHUNK_BYTES);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      total += bytesRead;
      onProgress?.(total);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

async function* counted(source: AsyncIterable<Uint8Array>, onProgress?: (bytesRead: number) => void): AsyncGenerator<Uint8Array> {
  let bytesRead = 0;
  for await (const chunk of source) {
    bytesRead += chunk.length;
    onProgress?.(bytesRead);
    yield chunk;
  }
}
