/**
 * The web app's precision-weights input (fit --weights in the browser): read in the fit worker, it gives the download
 * the CLI writes for the same files (fitted on every thread the browser offers, Web Workers of the fit worker's own); the summary names it; a weights file without a gene of the matrix is refused
 * with the CLI's message under the weights input; Remove takes the weights out of the next run; and the voom option
 * gives the CLI's fit --voom, with limma's voom plot.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cases.js';
import { runCli, tempFiles } from '../helpers/cli.js';
import { type AppSession, download, fit, loadFiles, openApp, skipUnlessBrowser } from './browser.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/contrasts');
const FORMULA = '~ disease + time + (1 | donor)';

describe('precision weights in the web app (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  let files: ReturnType<typeof tempFiles>;
  before(async () => {
    const weights = fs.readFileSync(path.join(DIR, 'study.weights.tsv'), 'utf8').trimEnd().split('\n');
    files = tempFiles({ 'short.tsv': `${weights.slice(0, -1).join('\n')}\n` }); // without the last gene, g30
    app = await openApp();
    await loadFiles(app.page, path.join(DIR, 'study.expr.tsv'), path.join(DIR, 'study.samples.tsv'));
    await app.page.fill('#formula', FORMULA);
  });
  after(async () => {
    await app?.close();
    files?.cleanup();
  });

  it('a weights file without a gene of the matrix: the run\'s error shows under the weights input', async () => {
    await app.page.setInputFiles('#weights-file', [path.join(files.dir, 'short.tsv')]);
    await app.page.waitForFunction(() => /weights of 29 genes/.test(document.getElementById('weights-loaded')!.textContent!));
    await app.page.click('#run');
    await app.page.waitForFunction(() => document.getElementById('weights-error')!.textContent !== '');
    assert.match(await app.page.textContent('#weights-error') ?? '', /short\.tsv: no row for gene "g30" of the expression matrix/);
  });

  it('the study\'s weights: the download is the CLI\'s fit --weights table', async () => {
    await app.page.setInputFiles('#weights-file', [path.join(DIR, 'study.weights.tsv')]);
    await app.page.waitForFunction(() => /weights of 30 genes × 144 samples/.test(document.getElementById('weights-loaded')!.textContent!));
    // A weighted fit takes every thread the browser offers: Web Workers of the fit worker's own, up to 8.
    const threads = Math.min(8, await app.page.evaluate(() => navigator.hardwareConcurrency));
    assert.match(await fit(app.page, 'cpu'), new RegExp(`^backend: cpu on this browser's CPU \\(${threads} threads?, f64\\)`));
    if (threads > 1) assert.ok(app.requests.some((url) => /\/cpu-worker-[^/]*\.js$/.test(url)), 'the pool\'s workers were started');
    assert.match(await app.page.textContent('#weights-used') ?? '', /precision weights: study\.weights\.tsv/);
    const { text } = await download(app.page, 'tsv');
    const out = path.join(files.dir, 'cli.tsv');
    const run = runCli(['fit', '--expr', path.join(DIR, 'study.expr.tsv'), '--samples', path.join(DIR, 'study.samples.tsv'), '--formula', FORMULA,
      '--weights', path.join(DIR, 'study.weights.tsv'), '--backend', 'cpu', '--quiet', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(text, fs.readFileSync(out, 'utf8'));
  });

  it('Remove: the next run is unweighted, as the CLI\'s without --weights', async () => {
    await app.page.click('#weights-remove');
    assert.equal(await app.page.textContent('#weights-loaded'), '');
    await fit(app.page, 'cpu');
    assert.equal(await app.page.$('#weights-used'), null);
    const { text } = await download(app.page, 'tsv');
    const run = runCli(['fit', '--expr', path.join(DIR, 'study.expr.tsv'), '--samples', path.join(DIR, 'study.samples.tsv'), '--formula', FORMULA,
      '--backend', 'cpu', '--quiet']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(text, run.stdout);
  });

  it('voom weights (the option): the download is the CLI\'s fit --voom table', async () => {
    const voom = path.join(REPO_ROOT, 'test/fixtures/voom');
    await loadFiles(app.page, path.join(voom, 'study.expr.tsv'), path.join(voom, 'study.samples.tsv'));
    await app.page.fill('#formula', FORMULA.replace(' + (1 | donor)', ' + time:disease + (1 | donor)'));
    await app.page.check('#voom');
    await fit(app.page, 'cpu');
    // limma's voom plot: the genes' points and the trend's line.
    assert.match(await app.page.textContent('#plot-voom') ?? '', /voom: mean-variance trend of 149 genes/);
    assert.equal(await app.page.locator('#plot-voom svg [aria-description="genes"] circle').count(), 149);
    assert.equal(await app.page.locator('#plot-voom svg [aria-description="trend"] path').count(), 1);
    // A gene's view draws its voom-weighted fit: a fitted mean per donor.
    await app.page.click('table.results tbody tr[data-row="0"]');
    await app.page.waitForSelector('#plot-gene svg');
    assert.equal(await app.page.locator('#plot-gene svg g[aria-description="fitted means"] line').count(), 30);
    const { text } = await download(app.page, 'tsv');
    const run = runCli(['fit', '--expr', path.join(voom, 'study.expr.tsv'), '--samples', path.join(voom, 'study.samples.tsv'),
      '--formula', FORMULA.replace(' + (1 | donor)', ' + time:disease + (1 | donor)'), '--voom', '--backend', 'cpu', '--quiet']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(text, run.stdout);
  });
});
