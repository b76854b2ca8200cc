/**
 * openFile's refusals of text that would read garbled (file-source.ts' refuseUnreadable): gzip data under a name
 * without .gz, and lines ended by a carriage return alone, in a plain or a gzipped file; and what it must not
 * refuse, such as a CRLF file whose first CR is the last byte it looks at.
 */
import assert from 'node:assert/strict';
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
