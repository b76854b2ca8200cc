/**
 * The web app with a matrix it does not hold in memory (`?hold-mb=0`: every matrix streamed from its File by each run,
 * as one larger than HOLD_BYTES is): the page says so, its download equals the CLI's output byte for byte, a clicked
 * gene's values are read again from the file, and a bad cell is the CLI's file:line:column message.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempFiles } from '../helpers/cli.js';
import { type AppSession, download, fit, loadExample, openApp, skipUnlessBrowser } from './browser.js';

/** `genelmm fit --example --backend cpu`'s table, as text. */
function cliExample(): string {
  const { dir, cleanup } = tempFiles({});
  try {
    const run = runCli(['fit', '--example', '--quiet', '--backend', 'cpu', '--out', 'out.tsv'], dir);
    assert.equal(run.status, 0, run.stderr);
    return fs.readFileSync(path.join(dir, 'out.tsv'), 'utf8');
  } finally {
    cleanup();
  }
}

describe('a streamed matrix in the web app (headless Chromium, ?hold-mb=0)', skipUnlessBrowser(), () => {
  let app: AppSession;
  let table: string;
  before(async () => {
    app = await openApp({ query: '?hold-mb=0' });
    await loadExample(app.page);
  });
  after(async () => app?.close());

  it('says the matrix is streamed, and fits it to the CLI\'s table byte for byte', async () => {
    assert.match(await app.page.textContent('#matrix-loaded') ?? '',
      /bottomly_count_table\.tsv: 36,536 genes × 21 samples \(streamed from the file by each run/);
    await fit(app.page, 'cpu');
    table = (await download(app.page, 'tsv')).text;
    assert.ok(table === cliExample(), 'the download equals genelmm fit --example --backend cpu');
  });

  it('shows a clicked gene\'s values, read again from the file: the plot of the same gene from the matrix held in memory', async () => {
    const [header, ...rows] = table.trimEnd().split('\n').map((line) => line.split('\t'));
    const status = header.indexOf('status');
    // Genes far into the file (their block is not the first), each plotted from the file and from memory.
    const ok = rows.map((row, g) => (row[status] === 'ok' ? g : -1)).filter((g) => g >= 0);
    const genes = [ok[ok.length - 1], ok[Math.floor(ok.length / 2)]];
    const plots = async (session: AppSession): Promise<string[]> => {
      const shown: string[] = [];
      for (const g of genes) {
        await session.page.fill('.table-controls input[aria-label="filter genes by id"]', rows[g][0]);
        await session.page.click(`table.results tbody tr[data-row="${g}"]`);
        await session.page.waitForFunction((id) => document.querySelector('#plot-gene svg') !== null &&
          document.getElementById('plot-gene')!.textContent!.includes(id), rows[g][0]);
        shown.push(await session.page.$eval('#plot-gene', (e) => e.innerHTML));
      }
      return shown;
    };
    const streamed = await plots(app);
    const held = await openApp();
    try {
      await loadExample(held.page);
      assert.doesNotMatch(await held.page.textContent('#matrix-loaded') ?? '', /streamed/);
      await fit(held.page, 'cpu');
      assert.deepEqual(streamed, await plots(held));
    } finally {
      await held.close();
    }
    assert.match(streamed[0], /<circle/, 'the plot has its points');
    assert.deepEqual(app.errors, []);
  });

  it('a cell that is not a number: the CLI\'s file:line:column message, under the matrix', async () => {
    const header = 'gene\ts1\ts2\ts3\ts4\n';
    const files = tempFiles({ 'bad.tsv': `${header}g1\t1\t2\t3\t4\ng2\t1\tx\t3\t4\n`, 'samples.tsv': 'sample\tgroup\ns1\ta\ns2\ta\ns3\tb\ns4\tb\n' });
    try {
      await app.page.setInputFiles('#matrix-file', path.join(files.dir, 'bad.tsv'));
      await app.page.waitForFunction(() => document.getElementById('matrix-error')!.textContent !== '');
      const cli = runCli(['fit', '--quiet', '--expr', 'bad.tsv', '--samples', 'samples.tsv', '--formula', '~ (1 | group)'], files.dir);
      assert.equal(cli.status, 2, cli.stderr);
      assert.equal(await app.page.textContent('#matrix-error'), cli.stderr.replace(/^genelmm: error: /, '').trimEnd());
    } finally {
      files.cleanup();
    }
  });
});
