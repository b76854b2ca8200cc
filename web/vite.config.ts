/**
 * The web app's build: `npm run build:web` writes a self-contained dist/web (no CDN, no external fonts or
 * scripts) that `genelmm serve` serves. The library's fit path is bundled as it is, with the three modules
 * that need Node swapped for their browser twins in src/platform/ (browserPlatform below).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from '../src/content-security-policy.js';

const web = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(web, '..');

/** Node modules of src/ and their browser twins, by file. */
const TWINS = new Map([
  ['src/gpu/gpu-entry.ts', 'web/src/platform/gpu-entry.ts'],
  ['src/gpu/shaders.ts', 'web/src/platform/shaders.ts'],
  ['src/backends/cpu-threads.ts', 'web/src/platform/cpu-threads.ts'],
].map(([node, browser]) => [path.join(repo, node), path.join(repo, browser)]));

/**
 * Swaps each Node module for its twin, and fails the build where any other `node:` module would reach the
 * browser (Vite would otherwise stub it and leave the failure to run time).
 */
function browserPlatform(): Plugin {
  return {
    name: 'genelmm-browser-platform',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (source.startsWith('node:')) {
        this.error(`${path.relative(repo, importer ?? '?')} imports ${source}: Node-only code must not reach the web app ` +
          '(give it a browser twin in web/src/platform/)');
      }
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const twin = resolved && TWINS.get(resolved.id);
      return twin ? { id: twin } : resolved;
    },
  };
}

/** Writes the app's Content-Security-Policy into index.html (src/content-security-policy.ts). */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'genelmm-content-security-policy',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
      injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  root: web,
  base: './',
  plugins: [browserPlatform(), contentSecurityPolicy()],
  worker: { format: 'es', plugins: () => [browserPlatform()] },
  resolve: {
    // csv-parse's default entries use Node's Buffer and streams; its browser build bundles both.
    alias: [
      { find: /^csv-parse\/sync$/, replacement: 'csv-parse/browser/esm/sync' },
      { find: /^csv-parse$/, replacement: 'csv-parse/browser/esm' },
    ],
  },
  build: {
    outDir: path.join(repo, 'dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // Every asset a file of its own: the Content-Security-Policy allows requests to the app's origin only, no data: URLs.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
  },
});
