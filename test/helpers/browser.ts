/**
 * Headless Chromium (Debian's, via playwright-core; ../shared/WEBGPU.md) for the tests that must run in a browser:
 * gpu.js's webgl2 mode exists only there. Modules of dist/src are bundled for the browser as the web app's build
 * does (Vite, the Node-only GPU entry swapped for navigator.gpu, any other `node:` import an error), and served
 * with a Content-Security-Policy that allows scripts from the page's origin only, as the web app's does.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from './cases.js';

/** Debian's chromium, which brings SwiftShader for WebGL2 and (with --enable-unsafe-webgpu) WebGPU. */
export const CHROMIUM = '/usr/bin/chromium';

/** The web app's rule for scripts: its own origin only (no eval, no inline scripts). */
const POLICY = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'";

/** Why a browser cannot be had here, or null when it can. */
export async function browserUnavailable(): Promise<string | null> {
  if (!fs.existsSync(CHROMIUM)) return `no ${CHROMIUM} (apt-get install chromium)`;
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core is not installed';
  }
  return null;
}

/**
 * Bundles `entry` (a module of dist/, with its dependencies: gpu.js's browser build, stdlib, ...) into an ES module
 * file in a fresh directory, as the web app's Vite build would, minified. The Node GPU entry (gpu-entry.js) becomes
 * navigator.gpu; any other `node:` import fails the build. Returns the directory and the bundle's file name.
 */
export async function bundleForBrowser(entry: string): Promise<{ dir: string; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-bundle-'));
  const gpuEntry = path.join(REPO_ROOT, 'dist/src/gpu/gpu-entry.js');
  const twin = '\0browser-gpu-entry';
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'warn',
    root: REPO_ROOT,
    plugins: [{
      name: 'browser-twins',
      enforce: 'pre',
      async resolveId(source, importer, options) {
        if (source.startsWith('node:')) this.error(`${importer} imports ${source}: Node-only code must not reach the browser`);
        if (source === twin) return twin;
        const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
        return resolved?.id === gpuEntry ? twin : resolved;
      },
      load: (id) => (id === twin ? 'export async function gpuEntry() { return globalThis.navigator?.gpu ?? null; }' : null),
    }],
    build: {
      outDir: dir,
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      lib: { entry: path.join(REPO_ROOT, entry), formats: ['es'], fileName: 'bundle' },
    },
  });
  return { dir, file: 'bundle.js' };
}

/** A page of a running headless Chromium; `close` stops the browser and the server. */
export interface BrowserPage {
  page: Page;
  close(): Promise<void>;
}

/**
 * Serves `dir` (and `files`, by path) under the web app's script policy and opens an empty page of that origin in
 * headless Chromium, with WebGPU enabled. Console lines go to `onConsole`.
 */
export async function openBrowserPage(dir: string, files: Record<string, string> = {},
  onConsole?: (line: string) => void): Promise<BrowserPage> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('content-security-policy', POLICY);
    const send = (body: string | Buffer, type: string): void => {
      res.setHeader('content-type', type);
      res.end(body);
    };
    if (url.pathname === '/') return send('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>', 'text/html');
    if (files[url.pathname] !== undefined) return send(files[url.pathname], 'text/javascript');
    const file = path.join(dir, path.normalize(url.pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.statusCode = 404;
      return res.end();
    }
    send(fs.readFileSync(file), file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-chromium-'));
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  if (onConsole) page.on('console', (message) => onConsole(message.text()));
  await page.goto(`http://127.0.0.1:${port}/`);
  return {
    page,
    close: async () => {
      await context.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
