/**
 * The results view end to end: the plots are drawn with their marks (and a screenshot of the view is kept in
 * artifacts/ for CI), the table sorts and filters every gene while holding only the rows in view, a clicked gene
 * shows its values by group, and a long run shows its progress, leaves the page responsive and can be cancelled.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STATUSES } from '../../src/results/statuses.js';
import { readResultsTsv } from '../helpers/results-tsv.js';
import { type AppSession, ARTIFACTS, download, fit, loadExample, openApp, skipUnlessBrowser } from './browser.js';

describe('the results view (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  let table: ReturnType<typeof readResultsTsv>;
  before(async () => {
    app = await openApp();
    await loadExample(app.page);
    await fit(app.page, 'cpu');
    table = readResultsTsv((await download(app.page, 'tsv')).text);
  });
  after(async () => app?.close());

  const marks = (selector: string): Promise<number> => app.page.$$eval(selector, (elements) => elements.length);

  it('draws the plots: histograms of h2 and p, a QQ plot, a volcano plot, each with its marks', async () => {
    const r = table.results;
    const fitted = [...r.status].filter((s) => STATUSES[s] === 'ok' || STATUSES[s] === 'singular').length;
    assert.ok(await marks('#plot-h2 svg g[aria-label="rect"] rect') >= 20, 'h2 histogram bars');
    assert.ok(await marks('#plot-p svg g[aria-label="rect"] rect') >= 20, 'p-value histogram bars');
    assert.ok(await marks('#plot-qq svg g[aria-description="p-values"] circle') >= 100, 'QQ points');
    assert.equal(await marks('#plot-qq svg g[aria-label="line"] path'), 1, 'the QQ plot\'s diagonal');
    assert.equal(await marks('#plot-volcano svg g[aria-description="genes"] circle'), fitted,
      'one volcano point per fitted gene (every one has a strain effect and a p-value)');
    const heights = await app.page.$$eval('#plot-h2 svg g[aria-label="rect"] rect', (rects) => rects.map((e) => Number(e.getAttribute('height'))));
    assert.ok(heights.some((x) => x > 10), 'bars with height: the histogram is not blank');
    // The p-value histogram has the 40 bins its uniform level assumes, and p_lrt = 1 (every singular gene) in the last one.
    const strain = await app.page.inputValue('select[aria-label="p-value column"]');
    await app.page.selectOption('select[aria-label="p-value column"]', 'p_lrt');
    const bars = await app.page.$$eval('#plot-p svg g[aria-label="rect"] rect',
      (rects) => rects.map((e) => ({ width: Number(e.getAttribute('width')), end: Number(e.getAttribute('x')) + Number(e.getAttribute('width')) })));
    const [axisStart, axisEnd] = await app.page.$eval('#plot-p svg g[aria-description="uniform level"] line',
      (e) => [Number(e.getAttribute('x1')), Number(e.getAttribute('x2'))]);
    const binWidth = (axisEnd - axisStart) / 40;
    for (const { width } of bars) assert.ok(width > binWidth - 1.5 && width <= binWidth, `a bar ${width} px wide, a 40th of the axis is ${binWidth}`);
    const lastEnd = Math.max(...bars.map((b) => b.end));
    assert.ok(Math.abs(lastEnd - axisEnd) < 1, `the last bin ends at ${lastEnd}, the axis at ${axisEnd}`);
    await app.page.selectOption('select[aria-label="p-value column"]', strain);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await app.page.screenshot({ path: path.join(ARTIFACTS, 'web-results.png'), fullPage: true });
  });

  it('counts every gene per status, as the table does', async () => {
    const shown = await app.page.$$eval('#status-counts .chip', (chips) => chips.map((c) => [c.getAttribute('data-status'), c.textContent]));
    for (const [status, text] of shown) {
      const expected = [...table.results.status].filter((s) => STATUSES[s] === status).length;
      assert.equal(Number(text!.replace(/[^0-9]/g, '')), expected, `${status}`);
    }
  });

  it('holds only the rows in view, and sorts every gene by a column, missing values last', async () => {
    assert.match(await app.page.textContent('.table-controls') ?? '', /36,536 of 36,536 genes/);
    assert.ok(await marks('table.results tbody tr[data-row]') < 120, 'a virtualised table');
    const h2 = app.page.locator('table.results th button', { hasText: /^h2( [▲▼])?$/ });
    await h2.click();
    await h2.click();
    assert.equal(await h2.textContent(), 'h2 ▼');
    const r = table.results;
    let best = 0;
    for (let g = 1; g < r.nGenes; g++) if (r.h2[g] > r.h2[best]) best = g;
    assert.equal(await app.page.textContent('table.results tbody tr[data-row] td'), table.geneIds[best], 'the largest h2 first');
    await app.page.$eval('.table-viewport', (e) => {
      e.scrollTop = e.scrollHeight;
    });
    // The last gene of the order has no h2 (a constant gene): missing values sort last.
    await app.page.waitForFunction(() => [...document.querySelectorAll('table.results tbody tr[data-row]')].at(-1)
      ?.querySelector('td:nth-child(8)')?.textContent === 'NA');
  });

  it('filters by status, by gene id and by a numeric condition', async () => {
    const counts = (): Promise<string> => app.page.textContent('.table-controls span.muted').then((t) => t ?? '');
    const constant = [...table.results.status].filter((s) => STATUSES[s] === 'constant').length;
    await app.page.selectOption('.table-controls select[aria-label="filter by status"]', 'constant');
    assert.equal(await counts(), `${constant.toLocaleString('en-US')} of 36,536 genes`);
    await app.page.selectOption('.table-controls select[aria-label="filter by status"]', '');
    await app.page.selectOption('.table-controls select[aria-label="filter column"]', 'q_lrt');
    await app.page.selectOption('.table-controls select[aria-label="filter operator"]', '<');
    await app.page.fill('.table-controls input[aria-label="filter value"]', '0.05');
    const significant = [...table.results.qLrt].filter((q) => q < 0.05).length;
    assert.equal(await counts(), `${significant.toLocaleString('en-US')} of 36,536 genes`);
    await app.page.fill('.table-controls input[aria-label="filter value"]', '');
    await app.page.fill('.table-controls input[aria-label="filter genes by id"]', table.geneIds[12]);
    assert.equal(await counts(), '1 of 36,536 genes');
    await app.page.fill('.table-controls input[aria-label="filter genes by id"]', '');
  });

  it('shows a clicked gene\'s values by group, one point per sample, with its fitted group means', async () => {
    const r = table.results;
    const g = [...r.status].findIndex((s) => STATUSES[s] === 'ok');
    await app.page.fill('.table-controls input[aria-label="filter genes by id"]', table.geneIds[g]);
    await app.page.click(`table.results tbody tr[data-row="${g}"]`);
    await app.page.waitForSelector('#plot-gene svg');
    assert.equal(await marks('#plot-gene svg g[aria-description="samples"] circle'), r.n[g], 'a point per sample used');
    assert.equal(await marks('#plot-gene svg g[aria-description="fitted means"] line'), r.nGroups[g], 'a fitted mean per group');
    assert.equal(await marks('#plot-gene svg g[aria-description="observed means"] line'), r.nGroups[g], 'an observed mean per group');
    assert.match(await app.page.textContent('#gene') ?? '', new RegExp(`gene${table.geneIds[g]}`));
    await app.page.screenshot({ path: path.join(ARTIFACTS, 'web-gene.png'), fullPage: false });
    await app.page.fill('.table-controls input[aria-label="filter genes by id"]', '');
  });

  it('shows a long run\'s progress, cancels it, and fits again afterwards with the options as they were', async () => {
    await app.page.selectOption('select[aria-label="reference level of strain"]', 'DBA/2J');
    await app.page.fill('#bootstrap', '400');
    await app.page.selectOption('#backend', 'cpu');
    await app.page.click('#run');
    await app.page.waitForFunction(() => /^fitting \d/.test(document.getElementById('phase')!.textContent!), null, { timeout: 60_000 });
    assert.ok(await app.page.isVisible('#progress'), 'a progress bar');
    for (const input of ['#matrix-file', '#samples-file', '#load-example']) {
      assert.ok(await app.page.isDisabled(input), `${input} cannot change the inputs under the run`);
    }
    // The page answers while the worker computes: typing into the table's filter takes effect at once.
    const started = performance.now();
    await app.page.fill('.table-controls input[aria-label="filter genes by id"]', 'ENSMUSG00000000001');
    assert.equal(await app.page.textContent('.table-controls span.muted'), '1 of 36,536 genes');
    assert.ok(performance.now() - started < 1000, `the page responded in ${(performance.now() - started).toFixed(0)} ms`);
    await app.page.fill('.table-controls input[aria-label="filter genes by id"]', '');
    await app.page.click('#cancel');
    await app.page.waitForFunction(() => document.getElementById('phase')!.textContent === 'cancelled');
    assert.ok(await app.page.isEnabled('#run'), 'ready to run again');
    assert.ok(await app.page.isHidden('#results'), 'the earlier results went with the cancelled worker');
    await app.page.fill('#bootstrap', '');
    const used = await fit(app.page, 'cpu');
    assert.match(used, /^backend: cpu/);
    const header = (await download(app.page, 'tsv')).text.split('\n')[0];
    assert.match(header, /\tbeta_strainC57BL\/6J\t/, 'the reference level picked before the cancel still holds (the files read again)');
    assert.equal(await app.page.inputValue('select[aria-label="reference level of strain"]'), 'DBA/2J');
    assert.deepEqual(app.errors, [], 'no console errors');
    assert.deepEqual(app.requests.filter((url) => !url.startsWith(app.server.url)), [], 'no request beyond the app\'s origin');
  });
});
