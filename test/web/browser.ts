/**
 * The end-to-end tests' browser: Debian's Chromium driven by playwright-core (never a downloaded browser), with
 * WebGPU through its built-in SwiftShader (`--enable-unsafe-webgpu`), on the app that genelmm serve serves. Every
 * request the page makes is recorded, so a test can check none leaves the app's origin.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { startServer, WEB_ROOT, type WebServer } from '../../src/cli/serve.js';
import { inCi } from '../conformance/backends.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { runCli, tempFiles } from '../helpers/cli.js';
import { gpuTestEnv } from '../helpers/gpu-env.js';

/** Debian's chromium package. */
export const CHROMIUM = '/usr/bin/chromium';
/** Where the tests leave files for CI to keep (screenshots). */
export const ARTIFACTS = path.join(REPO_ROOT, 'artifacts');

/** Why the browser tests cannot run here, or undefined. In CI they must run: the reason fails them there. */
export function browserUnavailable(): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `no ${CHROMIUM} (apt-get install chromium)`;
  if (!fs.existsSync(path.join(WEB_ROOT, 'index.html'))) return `the web app is not built (${WEB_ROOT}; npm run build:web)`;
  return undefined;
}

/** node:test options: skipped with the reason where the browser cannot run, except in CI. */
export function skipUnlessBrowser(): { skip?: string } {
  const why = browserUnavailable();
  return why === undefined || inCi() ? {} : { skip: why };
}

/** A served app in a fresh browser profile, and what its page asked for and complained about. */
export interface AppSession {
  server: WebServer;
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors and uncaught exceptions of the page and its workers. */
  errors: string[];
  close(): Promise<void>;
}

/** Serves the app, opens it in headless Chromium (WebGPU on) at `query` (say `?hold-mb=0`) and waits for it to be ready. */
export async function openApp(options: { webgpu?: boolean; query?: string } = {}): Promise<AppSession> {
  const why = browserUnavailable();
  assert.equal(why, undefined, `the browser tests must run in CI: ${why}`);
  const server = await startServer(0);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    // The Vulkan drivers genelmm chooses (SwiftShader in place of lavapipe), so the page and the CLI use one adapter.
    env: gpuTestEnv() as Record<string, string>,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', ...(options.webgpu === false ? [] : ['--enable-unsafe-webgpu'])],
  });
  const page = context.pages()[0] ?? await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.url + (options.query ?? ''));
  await page.waitForSelector('#load-example');
  return {
    server, context, page, requests, errors,
    close: async () => {
      await context.close();
      await server.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Loads the bundled example and waits until it can be fitted. */
export async function loadExample(page: Page): Promise<void> {
  await page.click('#load-example');
  await page.waitForFunction(() => !(document.getElementById('run') as HTMLButtonElement).disabled, null, { timeout: 120_000 });
}

/** Gives the page a matrix and a sample sheet as files (paths on this machine) and waits until both are read. */
export async function loadFiles(page: Page, matrix: string, sheet: string): Promise<void> {
  await page.setInputFiles('#samples-file', sheet);
  await page.waitForFunction(() => /samples, ids in/.test(document.getElementById('samples-loaded')!.textContent!));
  await page.setInputFiles('#matrix-file', matrix);
  await page.waitForFunction(() => /genes ×/.test(document.getElementById('matrix-loaded')!.textContent!) ||
    document.getElementById('matrix-error')!.textContent !== '', null, { timeout: 600_000 });
  assert.equal(await page.textContent('#matrix-error'), '', 'the matrix reads');
}

/** Fits with `backend` and waits for the results; returns the backend line the page shows. */
export async function fit(page: Page, backend: string): Promise<string> {
  await page.selectOption('#backend', backend);
  const before = await page.$eval('#run-summary', (e) => e.textContent);
  await page.click('#run');
  await page.waitForFunction((old) => {
    const summary = document.getElementById('run-summary')!.textContent;
    return (summary !== old && document.querySelector('#status-counts') !== null) || document.getElementById('run-error')!.textContent !== '';
  }, before, { timeout: 300_000 });
  const error = await page.textContent('#run-error');
  assert.equal(error, '', `the run failed: ${error}`);
  return (await page.textContent('#backend-used')) ?? '';
}

/** Clicks a download button and returns the file's name and text. */
export async function download(page: Page, format: 'tsv' | 'csv' | 'json'): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`#download-${format}`)]);
  const saved = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-download-')), file.suggestedFilename());
  await file.saveAs(saved);
  const text = fs.readFileSync(saved, 'utf8');
  fs.rmSync(path.dirname(saved), { recursive: true, force: true });
  return { name: file.suggestedFilename(), text };
}

/** The table `genelmm fit <args> --quiet` writes: the CLI's answer that a download from the app is held to. */
export function cliTable(args: string[]): string {
  const files = tempFiles({});
  try {
    const out = path.join(files.dir, 'cli.tsv');
    const run = runCli(['fit', ...args, '--quiet', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    return fs.readFileSync(out, 'utf8');
  } finally {
    files.cleanup();
  }
}
