/**
 * Atomic file output (SPEC.md §5): the text goes to a temporary file beside the destination, which is
 * renamed over it only once complete and flushed. A failed write removes the temporary file and leaves any
 * existing destination untouched.
 */

import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `chunks` to `path` atomically: `<dir>/.<name>.tmp-<pid>-<random>`, fsync, then rename. */
export async function writeFileAtomic(path: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(temp, 'wx');
  try {
    try {
      for await (const chunk of chunks) await handle.writeFile(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Writes `text` to `path` atomically (see writeFileAtomic). */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, [text]);
}
