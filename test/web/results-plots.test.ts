/**
 * What the results view shows of a model with a fixed-effect factor, in headless Chromium, on a small two-strain
 * data set: a gene's samples coloured by strain, the p-value plots on the strain coefficient, the gene column in
 * view when the table scrolls right, and the volcano plot's gene label inside the plot at its edges; and a run
 * where no gene could be fitted, whose plots say so instead of drawing empty axes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempFiles } from '../helpers/cli.js';
import { type AppSession, ARTIFACTS, fit, loadFiles, openApp, skipUnlessBrowser } from './browser.js';

const GROUPS = 6;
const PER_STRAIN = 2;
const GENES = 40;
/** Sample i: batch b(i / 4 + 1), strain A then B within each batch, lane L(i mod 3 + 1) crossed with both. */
const SAMPLES = Array.from({ length: GROUPS * 2 * PER_STRAIN }, (_, i) => ({
  id: `s${i + 1}`, batch: `b${Math.floor(i / (2 * PER_STRAIN)) + 1}`, strain: i % (2 * PER_STRAIN) < PER_STRAIN ? 'A' : 'B',
  lane: `L${(i % 3) + 1}`,
}));
/** Ensembl-length ids, so that a label at the plot's edge would stick out if it were not kept inside. */
const geneId = (g: number): string => `ENSMUSG${String(g + 1).padStart(11, '0')}`;

/** A deterministic uniform(0, 1) stream (mulberry32). */
function uniform(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Genes with a strain effect from −3 to 3 (gene 1's is 3), batch effects and noise. */
function matrix(): string {
  const next = uniform(7);
  const rows = Array.from({ length: GENES }, (_, g) => {
    const effect = g === 0 ? 3 : 6 * next() - 3;
    const batch = Array.from({ length: GROUPS }, () => next() - 0.5);
    const values = SAMPLES.map((s, i) => 5 + (s.strain === 'B' ? effect : 0) + batch[Math.floor(i / (2 * PER_STRAIN))] + 0.4 * (next() - 0.5));
    return [geneId(g), ...values.map((v) => v.toFixed(4))].join('\t');
  });
  return `gene\t${SAMPLES.map((s) => s.id).join('\t')}\n${rows.join('\n')}\n`;
}

const SHEET = `sample\tstrain\tbatch\tlane\n${SAMPLES.map((s) => `${s.id}\t${s.strain}\t${s.batch}\t${s.lane}`).join('\n')}\n`;
/** Every gene constant: nothing can be fitted. */
const CONSTANT = `gene\t${SAMPLES.map((s) => s.id).join('\t')}\n${Array.from({ length: 5 }, (_, g) =>
  [geneId(g), ...SAMPLES.map(() => String(g + 1))].join('\t')).join('\n')}\n`;

describe('the results view of a two-strain model (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  let files: ReturnType<typeof tempFiles>;
  before(async () => {
    files = tempFiles({ 'm.tsv': matrix(), 'constant.tsv': CONSTANT, 'sheet.tsv': SHEET });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    app = await openApp();
    await loadFiles(app.page, path.join(files.dir, 'm.tsv'), path.join(files.dir, 'sheet.tsv'));
    await app.page.fill('#formula', '~ strain + (1 | batch)');
    await fit(app.page, 'cpu');
  });
  after(async () => {
    await app?.close();
    files?.cleanup();
  });

  it('plots the p-values of the strain coefficient first, not the intercept\'s nor p_lrt', async () => {
    assert.equal(await app.page.inputValue('select[aria-label="p-value column"]'), 'p_strainB');
    assert.match(await app.page.textContent('#plot-qq') ?? '', /QQ plot of p_strainB/);
    assert.equal(await app.page.inputValue('select[aria-label="coefficient or contrast of the volcano plot"]'), 'strainB');
  });

  it('keeps the gene column in view when the table scrolls right', async () => {
    const viewport = app.page.locator('.table-viewport');
    await viewport.evaluate((e) => {
      e.scrollLeft = e.scrollWidth;
    });
    assert.ok(await viewport.evaluate((e) => e.scrollLeft) > 500, 'the table scrolled right');
    const left = (await viewport.boundingBox())!.x;
    for (const cell of ['table.results thead th:first-child', 'table.results tbody tr[data-row] td:first-child']) {
      const box = (await app.page.locator(cell).first().boundingBox())!;
      assert.ok(Math.abs(box.x - left) <= 2, `${cell} at x ${box.x}, the table's left edge at ${left}`);
      assert.equal(await app.page.locator(cell).first().evaluate((e) => getComputedStyle(e).position), 'sticky');
    }
    assert.equal(await app.page.textContent('table.results tbody tr[data-row] td:first-child'), geneId(0));
    await app.page.locator('#table').screenshot({ path: path.join(ARTIFACTS, 'web-table-scrolled.png') });
    await viewport.evaluate((e) => {
      e.scrollLeft = 0;
    });
  });

  it('keeps the picked gene\'s label inside the volcano plot at its edges', async () => {
    await app.page.locator('#plot-volcano').scrollIntoViewIfNeeded(); // the pointer reaches only what is on screen
    const points = await app.page.$$eval('#plot-volcano svg g[aria-description="genes"] circle', (circles) => circles.map((c) => {
      const box = c.getBoundingClientRect();
      return { id: c.querySelector('title')?.textContent ?? '', x: box.x + box.width / 2, y: box.y + box.height / 2 };
    }));
    assert.equal(points.length, GENES);
    const edges = { left: points.reduce((p, q) => (q.x < p.x ? q : p)), right: points.reduce((p, q) => (q.x > p.x ? q : p)),
      top: points.reduce((p, q) => (q.y < p.y ? q : p)) };
    const svg = (await app.page.locator('#plot-volcano svg').first().boundingBox())!;
    for (const [edge, point] of Object.entries(edges)) {
      await app.page.mouse.move(point.x, point.y);
      const label = app.page.locator('#plot-volcano svg text', { hasText: point.id });
      await label.waitFor();
      const box = (await label.boundingBox())!;
      assert.ok(box.x >= svg.x && box.x + box.width <= svg.x + svg.width && box.y >= svg.y && box.y + box.height <= svg.y + svg.height,
        `the ${edge}most gene's label (${JSON.stringify(box)}) inside the plot (${JSON.stringify(svg)})`);
      await app.page.locator('#plot-volcano').screenshot({ path: path.join(ARTIFACTS, `web-volcano-${edge}.png`) });
    }
    await app.page.mouse.move(0, 0);
  });

  it('colours a gene\'s samples by strain, one colour per level, with a legend; without a fixed-effect factor, in one colour', async () => {
    await app.page.click('table.results tbody tr[data-row="0"]');
    await app.page.waitForSelector('#plot-gene svg g[aria-description="samples"] circle');
    const points = await app.page.$$eval('#plot-gene svg g[aria-description="samples"] circle',
      (circles) => circles.map((c) => ({ fill: c.getAttribute('fill'), title: c.querySelector('title')?.textContent ?? '' })));
    assert.equal(points.length, SAMPLES.length, 'a point per sample');
    const fills = new Map<string, Set<string | null>>();
    for (const { fill, title } of points) {
      const sample = SAMPLES.find((s) => title.startsWith(`${s.id} `));
      assert.ok(sample, `the point "${title}" names its sample`);
      fills.set(sample.strain, (fills.get(sample.strain) ?? new Set()).add(fill));
    }
    const [a, b] = [[...fills.get('A')!], [...fills.get('B')!]];
    assert.equal(a.length, 1, `strain A in one colour, not ${a.join(', ')}`);
    assert.equal(b.length, 1, `strain B in one colour, not ${b.join(', ')}`);
    assert.notEqual(a[0], b[0], 'the strains in different colours');
    assert.match(await app.page.textContent('#plot-gene .plot-head') ?? '', /values by group and strain$/);
    assert.deepEqual(await app.page.$$eval('#plot-gene [class$="-swatch"]', (s) => s.map((e) => e.textContent)), ['A', 'B'],
      'a legend names the strains');
    assert.equal(await app.page.$$eval('#plot-gene svg g[aria-description="fitted means"] line', (l) => l.length), GROUPS,
      'still a fitted mean per batch');
    await app.page.locator('#gene').screenshot({ path: path.join(ARTIFACTS, 'web-gene-by-strain.png') });
    await app.page.fill('#formula', '~ 1 + (1 | batch)');
    await fit(app.page, 'cpu');
    assert.equal(await app.page.inputValue('select[aria-label="p-value column"]'), 'p_lrt');
    await app.page.click('table.results tbody tr[data-row="0"]');
    await app.page.waitForSelector('#plot-gene svg g[aria-description="samples"] circle');
    const single = await app.page.$$eval('#plot-gene svg g[aria-description="samples"] circle',
      (c) => [...new Set(c.map((e) => e.getAttribute('fill')))]);
    assert.equal(single.length, 1, `one colour, not ${single.join(', ')}`);
    assert.match(await app.page.textContent('#plot-gene .plot-head') ?? '', /values by group$/);
  });

  it('two random terms by ML: variancePartition\'s violins and percent bars, per-term LRT p-values, vp columns', async () => {
    await app.page.fill('#formula', '~ strain + (1 | batch) + (1 | lane)');
    await app.page.selectOption('#method', 'ml');
    await fit(app.page, 'cpu');
    await app.page.selectOption('#method', 'reml');
    const names = ['batch', 'lane', 'strainB', 'resid'];
    assert.match(await app.page.textContent('#plot-varpart .plot-head') ?? '', /variance fractions of \d+ fitted genes/);
    const violins = await app.page.$$eval('#plot-varpart svg g[aria-description="violins"] rect', (r) => r.map((e) => e.getAttribute('fill')));
    assert.equal(new Set(violins).size, names.length, 'a violin per component, each in its colour');
    assert.equal(await app.page.$$eval('#plot-varpart svg g[aria-description="boxes"] rect', (r) => r.length), names.length, 'a box in each');
    assert.deepEqual(await app.page.$$eval('#plot-varpart svg g[aria-label="x-axis tick label"] text', (t) => t.map((e) => e.textContent)), names);
    assert.equal(await app.page.$$eval('#plot-percent-bars svg g[aria-description="percent bars"] rect', (r) => r.length),
      20 * names.length, 'a stacked bar for each of the 20 genes with the largest batch fraction');
    assert.deepEqual(await app.page.$$eval('#plot-percent-bars [class$="-swatch"]', (s) => s.map((e) => e.textContent)), names);
    assert.equal(await app.page.$('#plot-h2'), null, 'no h2 histogram with two random terms');
    const pColumns = await app.page.$$eval('select[aria-label="p-value column"] option', (o) => o.map((e) => e.textContent));
    assert.deepEqual(pColumns.slice(0, 2), ['p_lrt_batch', 'p_lrt_lane']);
    const header = await app.page.$$eval('table.results thead th', (th) => th.map((e) => e.textContent));
    for (const column of ['ml_loglik', 'sigma2_batch', 'sigma2_lane', ...names.map((n) => `vp_${n}`), ...names.map((n) => `vp_se_${n}`)]) {
      assert.ok(header.includes(column), `column ${column} in ${header.join(' ')}`);
    }
    await app.page.locator('#plots').screenshot({ path: path.join(ARTIFACTS, 'web-varpart.png') });
    // The gene view: faceted by the term with fewest levels (lane, 3), coloured by the other (batch, 6).
    await app.page.click('table.results tbody tr[data-row="0"]');
    await app.page.waitForSelector('#plot-gene svg g[aria-description="samples"] circle');
    assert.equal(await app.page.textContent('#plot-gene .plot-head'), `${geneId(0)}: values by lane and batch`);
    const points = await app.page.$$eval('#plot-gene svg g[aria-description="samples"] circle',
      (circles) => circles.map((c) => ({ fill: c.getAttribute('fill'), title: c.querySelector('title')?.textContent ?? '' })));
    assert.equal(points.length, SAMPLES.length, 'a point per sample');
    const fillOf = new Map<string, Set<string | null>>();
    for (const { fill, title } of points) {
      const sample = SAMPLES.find((s) => s.id === title)!;
      fillOf.set(sample.batch, (fillOf.get(sample.batch) ?? new Set()).add(fill));
    }
    assert.equal(fillOf.size, GROUPS);
    assert.ok([...fillOf.values()].every((f) => f.size === 1), 'each batch in one colour');
    assert.equal(new Set([...fillOf.values()].map((f) => [...f][0])).size, GROUPS, 'the batches in different colours');
    assert.deepEqual(await app.page.$$eval('#plot-gene svg g[aria-label="fx-axis tick label"] text', (t) => t.map((e) => e.textContent)),
      ['L1', 'L2', 'L3']);
    await app.page.locator('#gene').screenshot({ path: path.join(ARTIFACTS, 'web-gene-terms.png') });
  });

  it('where no gene could be fitted, each plot says so instead of drawing an empty axis', async () => {
    await loadFiles(app.page, path.join(files.dir, 'constant.tsv'), path.join(files.dir, 'sheet.tsv'));
    await app.page.fill('#formula', '~ strain + (1 | batch)');
    await fit(app.page, 'cpu');
    assert.match(await app.page.textContent('#status-counts') ?? '', /5 constant/);
    const expected = { 'plot-h2': 'h2', 'plot-p': 'p_strainB', 'plot-qq': 'p_strainB', 'plot-volcano': 'beta_strainB and p_strainB' };
    for (const [id, column] of Object.entries(expected)) {
      assert.equal(await app.page.textContent(`#${id} .plot-empty`), `no gene has a value of ${column}`, id);
    }
    assert.equal(await app.page.$$eval('#plots svg', (svgs) => svgs.length), 0, 'no axes, no plots');
    assert.doesNotMatch(await app.page.textContent('#plot-volcano') ?? '', /0 of 0 genes/, 'no caption of nothing');
    await app.page.locator('#plots').screenshot({ path: path.join(ARTIFACTS, 'web-no-values.png') });
  });
});
