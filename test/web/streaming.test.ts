/**
 * The web app with a matrix it does not hold in memory (`?hold-mb=0`: every matrix streamed from its File by each run,
 * as one larger than HOLD_BYTES is): the page says so, its download equals the CLI's output byte for byte, a clicked
 * gene's values are read again from the file, and a bad cell is the CLI's file:line:column message.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
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
    // A value ?hold-mb cannot take leaves the bound as it is: the example is held.
    const held = await openApp({ query: '?hold-mb=abc' });
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

  it('bad matrices streamed: a cell that is not a number, an empty file, a truncated .gz: the CLI\'s messages', async () => {
    const header = 'gene\ts1\ts2\ts3\ts4\n';
    const good = `${header}g1\t1\t2\t3\t4\ng2\t1\t5\t3\t4\n`;
    const files = tempFiles({ 'bad.tsv': `${header}g1\t1\t2\t3\t4\ng2\t1\tx\t3\t4\n`, 'empty.tsv': '',
      'samples.tsv': 'sample\tgroup\ns1\ta\ns2\ta\ns3\tb\ns4\tb\n' });
    const gz = gzipSync(good);
    fs.writeFileSync(path.join(files.dir, 'cut.tsv.gz'), gz.subarray(0, gz.length - 12));
    try {
      for (const name of ['bad.tsv', 'empty.tsv', 'cut.tsv.gz']) {
        await app.page.setInputFiles('#matrix-file', path.join(files.dir, name));
        await app.page.waitForFunction((file) => document.getElementById('matrix-error')!.textContent!.startsWith(file), name);
        const cli = runCli(['fit', '--quiet', '--expr', name, '--samples', 'samples.tsv', '--formula', '~ (1 | group)'], files.dir);
        assert.equal(cli.status, 2, cli.stderr);
        const [problem, suggestion] = cli.stderr.replace(/^genelmm: error: /, '').trimEnd().split('\n');
        const [shown, shownSuggestion] = (await app.page.textContent('#matrix-error') ?? '').split('\n');
        // A gunzip failure is the CLI's up to the decompressor's own words (zlib's there, fflate's here).
        const cut = problem.indexOf('gunzip the file:');
        assert.equal(cut >= 0 ? shown.slice(0, cut) : shown, cut >= 0 ? problem.slice(0, cut) : problem, name);
        assert.equal(shownSuggestion, suggestion, name);
      }
    } finally {
      files.cleanup();
    }
  });
});
