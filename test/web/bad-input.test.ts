/**
 * Bad input in the web app: each error shows inline, beside the input it concerns, with the CLI's own text for
 * the same file (file:line:column: problem, then the suggestion), and the page stays usable afterwards.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempFiles } from '../helpers/cli.js';
import { type AppSession, fit, openApp, skipUnlessBrowser } from './browser.js';

const SHEET = 'sample\ttrt\tgroup\ns1\ta\tg1\ns2\tb\tg1\ns3\ta\tg2\ns4\tb\tg2\ns5\ta\tg3\ns6\tb\tg3\n';
const HEADER = 'gene\ts1\ts2\ts3\ts4\ts5\ts6\n';
const ROWS = 'g1\t1.5\t2\t3.25\t4\t0.5\t6\ng2\t2\t1\t7\t3\t4\t5\ng3\t0.1\t0.4\t0.3\t0.9\t0.2\t0.8\n';
const FILES = {
  'good.tsv': HEADER + ROWS,
  'samples.tsv': SHEET,
  'abc.tsv': HEADER + ROWS + 'g4\t1\tabc\t3\t4\t5\t6\n',
  'ragged.tsv': HEADER + 'g1\t1\t2\t3\n',
  'dup-sheet.tsv': `${SHEET}s2\tb\tg3\n`,
  'plain.tsv.gz': HEADER + ROWS,
};

/** What the CLI prints on stderr for these arguments, without its "genelmm: error: " prefix. */
function cliError(dir: string, ...args: string[]): string {
  const run = runCli(['fit', '--quiet', ...args], dir);
  assert.equal(run.status, 2, `the CLI rejects the input: ${run.stderr}`);
  return run.stderr.replace(/^genelmm: error: /, '').trimEnd();
}

describe('bad input in the web app (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  let files: ReturnType<typeof tempFiles>;
  const at = (name: string): string => path.join(files.dir, name);
  const formula = ['--formula', '~ trt + (1 | group)'];
  before(async () => {
    files = tempFiles(FILES);
    app = await openApp();
  });
  after(async () => {
    await app?.close();
    files?.cleanup();
  });

  const matrixError = async (name: string): Promise<string> => {
    await app.page.setInputFiles('#matrix-file', at(name));
    await app.page.waitForFunction(() => document.getElementById('matrix-error')!.textContent !== '' ||
      !document.getElementById('matrix-loaded')!.textContent!.startsWith('reading'));
    return (await app.page.textContent('#matrix-error')) ?? '';
  };

  it('a cell that is not a number: the CLI\'s file:line:column message, under the matrix', async () => {
    assert.equal(await matrixError('abc.tsv'), cliError(files.dir, '--expr', 'abc.tsv', '--samples', 'samples.tsv', ...formula));
    assert.ok(await app.page.isDisabled('#run'), 'nothing to fit');
  });

  it('a ragged row, likewise', async () => {
    assert.equal(await matrixError('ragged.tsv'), cliError(files.dir, '--expr', 'ragged.tsv', '--samples', 'samples.tsv', ...formula));
  });

  it('a .gz that is not gzip: the CLI\'s message up to the decompressor\'s own words, and its suggestion', async () => {
    const shown = await matrixError('plain.tsv.gz');
    const cli = cliError(files.dir, '--expr', 'plain.tsv.gz', '--samples', 'samples.tsv', ...formula);
    const [problem, suggestion] = cli.split('\n');
    assert.ok(shown.startsWith(problem.slice(0, problem.indexOf('gunzip the file:') + 'gunzip the file:'.length)), `${shown}\nagainst\n${cli}`);
    assert.equal(shown.split('\n')[1], suggestion);
  });

  it('a duplicated sample id: the CLI\'s message, under the sample sheet', async () => {
    await app.page.setInputFiles('#samples-file', at('dup-sheet.tsv'));
    await app.page.waitForFunction(() => document.getElementById('samples-error')!.textContent !== '');
    assert.equal(await app.page.textContent('#samples-error'),
      cliError(files.dir, '--expr', 'good.tsv', '--samples', 'dup-sheet.tsv', ...formula));
  });

  it('a formula that does not parse, as typed; one naming a column the sheet lacks, when run', async () => {
    await app.page.setInputFiles('#matrix-file', at('good.tsv'));
    await app.page.setInputFiles('#samples-file', at('samples.tsv'));
    await app.page.waitForFunction(() => document.getElementById('samples-loaded')!.textContent!.includes('6 samples'));
    await app.page.fill('#formula', '~ trt + (trt | group)');
    assert.equal(await app.page.textContent('#formula-error'),
      cliError(files.dir, '--expr', 'good.tsv', '--samples', 'samples.tsv', '--formula', '~ trt + (trt | group)').split('\n')[0]);
    assert.ok(await app.page.isDisabled('#run'));
    await app.page.fill('#formula', '~ dose + (1 | group)');
    await app.page.click('#run');
    await app.page.waitForFunction(() => document.getElementById('run-error')!.textContent !== '');
    assert.equal(await app.page.textContent('#run-error'),
      cliError(files.dir, '--expr', 'good.tsv', '--samples', 'samples.tsv', '--formula', '~ dose + (1 | group)'));
  });

  it('an option the CLI would refuse: its message, beside the run button', async () => {
    await app.page.fill('#formula', '~ trt + (1 | group)');
    await app.page.fill('#min-mean', 'lots');
    await app.page.click('#run');
    await app.page.waitForFunction(() => document.getElementById('run-error')!.textContent!.includes('min-mean'));
    assert.equal(await app.page.textContent('#run-error'),
      cliError(files.dir, '--expr', 'good.tsv', '--samples', 'samples.tsv', ...formula, '--min-mean', 'lots'));
    await app.page.fill('#min-mean', '');
  });

  it('after all that, the page still fits good input', async () => {
    const used = await fit(app.page, 'cpu');
    assert.match(used, /^backend: cpu/);
    assert.match(await app.page.textContent('#status-counts') ?? '', /ok|singular/);
    assert.equal(await app.page.textContent('#matrix-error'), '', 'the good matrix replaced the bad one');
    assert.equal(await app.page.textContent('#samples-error'), '');
  });
});
