/**
 * Atomic file output (SPEC.md §5): the text goes to a temporary file beside the destination, which is
 * renamed over it only once complete and flushed, with the replaced file's permissions. A failed or interrupted
 * write (SIGTERM, SIGINT, SIGHUP, SIGQUIT) removes the temporary file and leaves any existing destination untouched. A symlink is written through (its
 * target is replaced, the link stays); a device, FIFO or `/dev/stdout` is written to directly.
 */

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { errorMessage } from '../errors.js';
import { resolveOutput } from './output-target.js';

/** The signals a user sends to stop a run; each removes the temporary files, then ends the process as it would. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const;

/** What an output is written from: text, or bytes for a binary file. */
type Chunks = Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** Temporary files being written, removed if the process is stopped or exits before they are renamed. */
const pending = new Set<string>();

function removePending(): void {
  for (const temp of pending) rmSync(temp, { force: true });
  pending.clear();
}

function onStopSignal(signal: NodeJS.Signals): void {
  removePending();
  untrack();
  // With no listener left, the signal's default action ends the process as killed by it (exit status 128 + n).
  process.kill(process.pid, signal);
}

function track(temp: string): void {
  if (pending.size === 0) {
    for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
    process.on('exit', removePending);
  }
  pending.add(temp);
}

function untrack(temp?: string): void {
  if (temp !== undefined) pending.delete(temp);
  if (pending.size > 0) return;
  for (const signal of STOP_SIGNALS) process.removeListener(signal, onStopSignal);
  process.removeListener('exit', removePending);
}

/**
 * Writes `chunks` to `path`, gzipped (streamed) when the name ends in `.gz`. A file (or a symlink's target)
 * is written atomically: `<dir>/.<name>.tmp-<pid>-<random>` beside it, fsync, then rename. A device, FIFO or
 * descriptor is written to directly.
 */
export async function writeFileAtomic(path: string, chunks: Chunks): Promise<void> {
  const gzip = path.toLowerCase().endsWith('.gz');
  const { target, direct, exists } = await resolveOutput(path);
  if (direct) {
    try {
      const handle = await open(target, 'w');
      try {
        await writeChunks(handle, chunks, gzip);
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw writeFailed(path, error);
    }
    return;
  }
  const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  track(temp); // before it exists, so that no signal finds it untracked
  try {
    const handle = await open(temp, 'wx');
    try {
      await writeChunks(handle, chunks, gzip);
      if (exists) await handle.chmod((await stat(target)).mode & 0o7777); // the file replaced keeps its permissions
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw writeFailed(path, error);
  } finally {
    untrack(temp);
  }
}

/**
 * A system error of writing `path` (no space left, a read-only disk) as one that names the file, keeping its code
 * (a closed pipe, EPIPE, ends the command quietly) and the system's error as its cause; other errors as they are.
 */
function writeFailed(path: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || code === 'EPIPE') return error;
  return Object.assign(new Error(`could not write ${path}: ${errorMessage(error)}`, { cause: error }), { code });
}

async function writeChunks(handle: FileHandle, chunks: Chunks, gzip: boolean): Promise<void> {
  // Each chunk is made while the one before is written (a write waits on the disk, not on this thread).
  const write = async (source: AsyncIterable<string | Uint8Array>): Promise<void> => {
    let writing: Promise<void> = Promise.resolve();
    try {
      for await (const chunk of source) {
        await writing;
        writing = handle.writeFile(chunk);
        // Awaited at the next chunk or the end; a failure before then (while the source waits on a worker or on gzip)
        // must not count as unhandled.
        writing.catch(() => undefined);
      }
    } catch (error) {
      await writing.catch(() => undefined); // the write under way ends before the error goes on
      throw error;
    }
    await writing;
  };
  if (gzip) await pipeline(Readable.from(chunks), createGzip(), write);
  else await write(toAsync(chunks));
}

async function* toAsync<T>(items: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  yield* items;
}

/** Writes `text` to `path` atomically (see writeFileAtomic). */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, [text]);
}
