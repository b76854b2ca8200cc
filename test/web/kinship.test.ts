/**
 * The web app's kinship input (fit --kinship in the browser): a GRM chosen as its .grm.bin with its .grm.id, read in
 * the fit worker, gives the download the CLI writes for the same files; the summary names the kinship; a matrix
 * chosen without its id file is refused with the CLI's kind of message, under the kinship input; and Remove takes
 * the kinship out of the next run. On WebGPU (SwiftShader in Chromium) the download is the CLI's WebGPU table.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cases.js';
import { type AppSession, cliTable, download, fit, loadFiles, openApp, skipUnlessBrowser } from './browser.js';

const K = path.join(REPO_ROOT, 'test/fixtures/kinship');
const FORMULA = '~ sex + (1 | individual)';

/** The table `genelmm fit --kinship` writes for the `single` fixture on `backend`. */
function kinshipTable(backend: string): string {
  return cliTable(['--expr', path.join(K, 'single.expr.tsv'), '--samples', path.join(K, 'single.samples.tsv'), '--formula', FORMULA,
    '--kinship', path.join(K, 'sim'), '--backend', backend]);
}

describe('a kinship in the web app (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  before(async () => {
    app = await openApp();
    await loadFiles(app.page, path.join(K, 'single.expr.tsv'), path.join(K, 'single.samples.tsv'));
    await app.page.fill('#formula', FORMULA);
  });
  after(async () => {
    await app?.close();
  });

  it('a GRM without its id file: an error under the kinship input, naming the file to add', async () => {
    await app.page.setInputFiles('#kinship-file', [path.join(K, 'sim.grm.bin')]);
    await app.page.waitForFunction(() => document.getElementById('kinship-error')!.textContent !== '');
    assert.match(await app.page.textContent('#kinship-error') ?? '', /sim\.grm\.bin: its id file sim\.grm\.id is not among the files chosen\n {2}choose sim\.grm\.bin and sim\.grm\.id together/);
  });

  it('the .grm.bin with its .grm.id: the download is the CLI\'s fit --kinship table', async () => {
    await app.page.setInputFiles('#kinship-file', [path.join(K, 'sim.grm.bin'), path.join(K, 'sim.grm.id')]);
    await app.page.waitForFunction(() => /240 individuals/.test(document.getElementById('kinship-loaded')!.textContent!));
    await fit(app.page, 'cpu');
    assert.match(await app.page.textContent('#kinship-used') ?? '', /kinship: sim\.grm\.bin, 240 individuals; eigenvalues down to -0\.00498 set to 0/);
    assert.equal((await download(app.page, 'tsv')).text, kinshipTable('cpu'));
  });

  it('on WebGPU (the kinship programs in the browser): the download is the CLI\'s fit --kinship --backend webgpu table', async () => {
    const used = await fit(app.page, 'webgpu');
    assert.match(used, /^backend: webgpu on /, 'the browser\'s WebGPU ran, not a fallback');
    assert.equal((await download(app.page, 'tsv')).text, kinshipTable('webgpu'));
  });

  it('Remove: the next run has no kinship, and one sample per individual is insufficient again', async () => {
    await app.page.click('#kinship-remove');
    assert.equal(await app.page.textContent('#kinship-loaded'), '');
    await fit(app.page, 'cpu');
    assert.equal(await app.page.$('#kinship-used'), null);
    assert.match(await app.page.textContent('#status-counts') ?? '', /insufficient/);
  });
});
