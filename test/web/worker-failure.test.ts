/**
 * A fit worker that dies while its modules load (a browser or a server that refuses what it needs, such as a
 * Content-Security-Policy without 'wasm-unsafe-eval' for the CPU's WebAssembly kernels) fails before the page has
 * asked it anything: the page must say so at the next request, not wait for ever. One that dies after it has
 * answered is replaced by a fresh one, which the next request reaches.
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

describe('a fit worker that fails after it has answered (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  let started = 0; // fit workers the page has started (routing turns the browser's cache off: each is fetched)
  before(async () => {
    app = await openApp();
    // The real worker, wrapped: it throws, outside any request, right after its first answer.
    await app.context.route(/\/assets\/worker-[^/]+\.js(\?.*)?$/, (route) => {
      const url = new URL(route.request().url());
      if (url.searchParams.has('real')) return route.continue();
      started++;
      return route.fulfill({
        contentType: 'text/javascript',
        body: 'const post = self.postMessage.bind(self); let answers = 0;\n' +
          'self.postMessage = (message, transfer) => { post(message, transfer);\n' +
          '  if (typeof message === "object" && message !== null && "id" in message && answers++ === 0) setTimeout(() => { throw new Error("a late failure"); }); };\n' +
          `await import(${JSON.stringify(`${url.pathname}?real`)});\n`,
      });
    });
    await app.page.reload();
    await app.page.waitForSelector('#load-example');
  });
  after(async () => {
    await app?.close();
  });

  it('fails the request in flight, then answers the next one from a fresh worker', async () => {
    assert.equal(started, 1);
    await app.page.click('#load-example');
    // The matrix is the first answer; the sample sheet's request is the one the failure ends.
    await app.page.waitForFunction(() => document.getElementById('samples-error')!.textContent !== '', null, { timeout: 60_000 });
    assert.match(await app.page.textContent('#samples-error') ?? '', /the fit worker failed: .*a late failure/);
    assert.equal(started, 2, 'a fresh worker took the failed one\'s place');
    await app.page.click('#load-example');
    await app.page.waitForFunction(() => /genes ×/.test(document.getElementById('matrix-loaded')!.textContent ?? '') &&
      document.getElementById('matrix-error')!.textContent === '', null, { timeout: 60_000 });
  });
});
