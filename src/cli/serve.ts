/**
 * `genelmm serve`: the web app (dist/web, built by `npm run build:web`) on 127.0.0.1, for this machine only.
 * It serves static files and nothing else: the data a user opens in the app stay in their browser.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../content-security-policy.js';
import { UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';

/** Where `npm run build:web` writes the app. */
export const WEB_ROOT = path.join(PACKAGE_ROOT, 'dist/web');

/** The port `genelmm serve` listens on unless --port says otherwise. */
export const DEFAULT_PORT = 8080;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
};

/** A running server. */
export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `root` on 127.0.0.1:`port` (0: any free port). GET and HEAD only; a path outside `root` or absent
 * is 404. Hashed assets are cached for good, index.html never. UsageError when the app is not built or the
 * port is taken.
 */
export async function startServer(port: number, root = WEB_ROOT): Promise<WebServer> {
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new UsageError(`the web app is not built: ${path.join(root, 'index.html')} is missing`, 'run npm run build:web');
  }
  const server = http.createServer((request, response) => {
    const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`, 'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer', ...headers });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    let file: string;
    try {
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    if (!file.startsWith(root + path.sep)) return send(404, 'not found\n');
    fs.readFile(file, (error, body) => {
      if (error) return send(404, 'not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
      const immutable = path.dirname(file) === path.join(root, 'assets');
      send(200, body, {
        'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE'
      ? new UsageError(`port ${port} on 127.0.0.1 is in use`, 'choose another with --port N, or --port 0 for any free port')
      : error));
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // keep-alive connections would hold the port until they idle out
    }),
  };
}

/** `genelmm serve`: serves the app until interrupted. */
export async function runServe(o: { port: string }): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, not "${o.port}"`);
  const server = await startServer(port);
  process.stdout.write(`genelmm: the web app is at ${server.url} (Ctrl-C stops it); your data stay in your browser\n`);
}
