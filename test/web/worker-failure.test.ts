/**
 * A fit worker that dies while its modules load (a browser or a server that refuses what it needs, such as a
 * Content-Security-Policy without 'wasm-unsafe-eval' for the CPU's WebAssembly kernels) fails before the page has
 * asked it anything: the page must say so at the next request, not wait for ever.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AppSession, openApp, skipUnlessBrowser } from './browser.js';

describe('a fit worker that cannot start (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  before(async () => {
    app = await openApp();
    await app.context.route(/\/assets\/worker-[^/]+\.js$/, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: 'throw new Error("this worker cannot start");' }));
    await app.page.reload();
    await app.page.waitForSelector('#load-example');
  });
  after(async () => {
    await app?.close();
  });

  it('makes the next request fail with the worker\'s error, in the input it concerns', async () => {
    await app.page.click('#load-example');
    await app.page.waitForFunction(() => document.getElementById('matrix-error')!.textContent !== '', null, { timeout: 30_000 });
    assert.match(await app.page.textContent('#matrix-error') ?? '', /the fit worker failed: .*this worker cannot start/);
  });
});
