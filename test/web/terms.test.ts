/**
 * Several random terms in the web app on WebGPU (SwiftShader in Chromium): the browser runs the several-terms
 * programs (terms-search.wgsl) and the same f64 host finish as the CLI, so the download is the CLI's
 * `fit --backend webgpu` table (all but `iterations`, the host's evaluations), and agrees with the CLI's cpu table
 * within SPEC §6 (here: every number to 1e-4).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cases.js';
import { type AppSession, cliTable, download, fit, loadFiles, openApp, skipUnlessBrowser } from './browser.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/multi');
const FORMULA = '~ dex + (1 | donor/visit)';

/** The table `genelmm fit --method ml` writes for the nested fixture on `backend`. */
function nestedTable(backend: string): string {
  return cliTable(['--expr', path.join(DIR, 'nested.expr.tsv'), '--samples', path.join(DIR, 'nested.samples.tsv'), '--formula', FORMULA,
    '--method', 'ml', '--backend', backend]);
}

describe('several random terms in the web app on WebGPU (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  before(async () => {
    app = await openApp();
    await loadFiles(app.page, path.join(DIR, 'nested.expr.tsv'), path.join(DIR, 'nested.samples.tsv'));
    await app.page.fill('#formula', FORMULA);
    await app.page.selectOption('#method', 'ml');
  });
  after(async () => {
    await app?.close();
  });

  it('the browser\'s WebGPU fits the model: the download is the CLI\'s webgpu table (but for the host\'s evaluations), and within 1e-4 of its cpu table', async () => {
    const used = await fit(app.page, 'webgpu');
    assert.match(used, /^backend: webgpu on /, 'the browser\'s WebGPU ran, not a fallback');
    const text = (await download(app.page, 'tsv')).text;
    const rows = (table: string): string[][] => table.trim().split('\n').map((line) => line.split('\t'));
    // `iterations` counts the host's f64 evaluations, which depend on whether the device's probes (f32, Chromium's
    // SwiftShader or Node's) came near the optimum; every other cell is the CLI's, to the digit.
    const withoutIterations = (table: string[][]): string[][] => {
      const at = table[0].indexOf('iterations');
      return table.map((row) => row.filter((_, c) => c !== at));
    };
    assert.deepEqual(withoutIterations(rows(text)), withoutIterations(rows(nestedTable('webgpu'))));
    const cpu = rows(nestedTable('cpu'));
    const gpu = rows(text);
    assert.deepEqual(gpu[0], cpu[0], 'the same columns');
    assert.ok(cpu[0].includes('vp_visit:donor') && cpu[0].includes('sigma2_donor'), cpu[0].join(' '));
    for (let r = 1; r < cpu.length; r++) {
      for (let c = 0; c < cpu[r].length; c++) {
        const [e, a] = [Number(cpu[r][c]), Number(gpu[r][c])];
        if (cpu[0][c] === 'iterations' || !Number.isFinite(e)) continue; // the host's evaluations from the device's start differ
        assert.ok(Math.abs(a - e) <= 1e-4 * Math.max(1, Math.abs(e)), `${cpu[r][0]} ${cpu[0][c]}: cpu ${e}, webgpu ${a}`);
      }
    }
  });
});
