/**
 * openFile's refusals of text that would read garbled (file-source.ts' refuseUnreadable): gzip data under a name
 * without .gz, and lines ended by a carriage return alone, in a plain or a gzipped file; and what it must not
 * refuse, such as a CRLF file whose first CR is the last byte it looks at; and that the file it opens is closed once its
 * chunks end or are left, and is opened once (a named pipe is read whole).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../src/errors.js';
import { openFile } from '../../src/io/file-source.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-file-source-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The text openFile gives for `bytes` written to a file named `name` (gunzipped where `gzip`), or the InputError it throws. */
async function read(name: string, bytes: string | Uint8Array, gzip = false): Promise<string | InputError> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  try {
    const parts: Buffer[] = [];
    for await (const chunk of (await openFile(file, gzip)).chunks) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts).toString('utf8');
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
}

describe('openFile on a plain file', () => {
  it('refuses lines ended by a carriage return alone, and gzip data, each saying so', async () => {
    const cr = await read('cr.tsv', 'gene\ts1\rg1\t1\r');
    assert.ok(cr instanceof InputError && /carriage return alone/.test(cr.message), String(cr));
    const gz = await read('gz.tsv', gzipSync('gene\ts1\ng1\t1\n'));
    assert.ok(gz instanceof InputError && /gzip-compressed, but its name does not end in \.gz/.test(gz.message), String(gz));
  });

  it('reads LF, CRLF, and a CRLF file whose first CR is the last byte looked at (64 KiB), as they are', async () => {
    for (const text of ['gene\ts1\ng1\t1\n', 'gene\ts1\r\ng1\t1\r\n', `${'x'.repeat(2 ** 16 - 1)}\r\ny\r\n`, 'no line end']) {
      assert.equal(await read('ok.tsv', text), text);
    }
  });
});

describe('openFile on a gzipped file', () => {
  it('refuses text whose lines end in a carriage return alone, as for a plain file', async () => {
    const cr = await read('cr.tsv.gz', gzipSync('gene\ts1\rg1\t1\r'), true);
    assert.ok(cr instanceof InputError && /carriage return alone/.test(cr.message) && cr.message.includes('cr.tsv.gz'), String(cr));
  });

  it('reads LF and CRLF text as it is', async () => {
    for (const text of ['gene\ts1\ng1\t1\n', 'gene\ts1\r\ng1\t1\r\n', `${'x'.repeat(2 ** 16 - 1)}\r\ny\r\n`]) {
      assert.equal(await read('ok.tsv.gz', gzipSync(text), true), text);
    }
  });
});

/** The paths this process holds open (Linux's /proc/self/fd), among those under `dir`. */
function openPaths(): string[] {
  return fs.readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = fs.readlinkSync(path.join('/proc/self/fd', fd));
      return target.startsWith(dir) ? [target] : [];
    } catch {
      return []; // the directory's own descriptor, closed by now
    }
  });
}

describe('openFile and the open file', { skip: fs.existsSync('/proc/self/fd') ? false : 'no /proc/self/fd here' }, () => {
  /** Waits (a few seconds at most) until the file is closed: a destroyed stream closes its descriptor asynchronously. */
  async function closed(): Promise<string[]> {
    for (let waited = 0; openPaths().length > 0 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    return openPaths();
  }

  for (const gzip of [false, true]) {
    const name = gzip ? 'held.tsv.gz' : 'held.tsv';
    it(`holds ${name} open until its chunks end or are returned from, before their first next() too`, async () => {
      const file = path.join(dir, name);
      // Random values, so that even gzipped the file is several chunks: 8 MB of text, about 4 MB gzipped.
      const text = 'gene\ts1\n' + Array.from({ length: 800_000 }, (_, i) => `g${i}\t${Math.random().toFixed(6)}`).join('\n');
      fs.writeFileSync(file, gzip ? gzipSync(text) : text);
      const unread = await openFile(file, gzip);
      assert.deepEqual(openPaths(), [file], 'open once openFile has looked at it');
      await unread.chunks[Symbol.asyncIterator]().return?.(undefined);
      assert.deepEqual(await closed(), [], 'open after a return() before the first next()');

      const iterator = (await openFile(file, gzip)).chunks[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).done, false);
      await iterator.return?.(undefined);
      assert.deepEqual(await closed(), [], 'open after a return() part of the way');

      let read = 0;
      for await (const chunk of (await openFile(file, gzip)).chunks) read += chunk.length;
      assert.equal(read, Buffer.byteLength(text));
      assert.deepEqual(await closed(), [], 'open after the last chunk');
    });
  }

  it('reads a named pipe (the file checked is the file read, opened once)', { timeout: 20_000, skip: process.platform === 'win32' && 'no mkfifo' }, async () => {
    const fifo = path.join(dir, 'pipe.tsv');
    execFileSync('mkfifo', [fifo]);
    const text = 'gene\ts1\ng1\t1\n'.repeat(1000);
    const writer = fs.promises.writeFile(fifo, text); // blocks until a reader opens the pipe
    const parts: Buffer[] = [];
    for await (const chunk of (await openFile(fifo, false)).chunks) parts.push(Buffer.from(chunk));
    await writer;
    assert.equal(Buffer.concat(parts).toString('utf8'), text);
  });
});
