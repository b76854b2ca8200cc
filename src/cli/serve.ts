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

/** The longest request target answered (414 past it): the app's own paths are a few dozen characters. */
const MAX_TARGET_LENGTH = 2048;

/** What a request asks for: a path that may name a file under the root, or the status that refuses it. */
type Target = { file: string } | { status: 400 | 403 | 404 | 405 | 414; body: string; headers?: Record<string, string> };

/**
 * Where a request points, checked before any file is touched. The Host header must name this machine's
 * loopback at the bound port (127.0.0.1 or localhost), so a page whose DNS name is rebound to 127.0.0.1 cannot
 * read the app through the user's browser; the decoded path must hold no control character (a NUL would make
 * fs throw) and stay inside `root`.
 */
function requestTarget(request: http.IncomingMessage, root: string, port: number): Target {
  const host = request.headers.host?.toLowerCase();
  if (host === undefined) return { status: 400, body: 'bad request: no Host header\n' };
  const hosts = ['127.0.0.1', 'localhost'].flatMap((name) => (port === 80 ? [name, `${name}:80`] : [`${name}:${port}`]));
  if (!hosts.includes(host)) return { status: 403, body: `forbidden: this server answers only http://127.0.0.1:${port}/\n` };
  if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, body: 'method not allowed\n', headers: { Allow: 'GET, HEAD' } };
  const target = request.url ?? '/';
  if (target.length > MAX_TARGET_LENGTH) return { status: 414, body: 'request path too long\n' };
  // Origin form only: an absolute-form target (`GET http://other/`) names its own host, and `//other/x` one in
  // the making, neither of which this server is.
  if (!target.startsWith('/') || target.startsWith('//')) return { status: 400, body: 'bad request: the target must be a path\n' };
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(target, 'http://localhost').pathname);
  } catch {
    return { status: 400, body: 'bad request: malformed path\n' };
  }
  if (/[\u0000-\u001f\u007f]/.test(pathname)) return { status: 400, body: 'bad request: control character in the path\n' };
  const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
  return file.startsWith(root + path.sep) ? { file } : { status: 404, body: 'not found\n' };
}

/**
 * Serves `root` on 127.0.0.1:`port` (0: any free port). GET and HEAD only, for a Host of 127.0.0.1 or localhost
 * at that port (403 otherwise); a bad path is 400, one outside `root` or absent 404, and no request can stop the
 * server. Hashed assets are cached for good, index.html never. UsageError when the app is not built or the port
 * is taken or forbidden.
 */
export async function startServer(port: number, root = WEB_ROOT): Promise<WebServer> {
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new UsageError(`the web app is not built: ${path.join(root, 'index.html')} is missing`, 'run npm run build:web');
  }
  let boundPort = port;
  const server = http.createServer((request, response) => {
    const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`, 'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer', ...headers });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    const plain = { 'Content-Type': 'text/plain; charset=utf-8' };
    try {
      const target = requestTarget(request, root, boundPort);
      if (!('file' in target)) return send(target.status, target.body, { ...plain, ...target.headers });
      const { file } = target;
      fs.readFile(file, (error, body) => {
        if (error) return send(404, 'not found\n', plain);
        const immutable = path.dirname(file) === path.join(root, 'assets');
        send(200, body, {
          'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
      });
    } catch {
      // requestTarget refuses every bad request it knows of; whatever else a request makes throw ends that
      // request, never the server.
      if (response.headersSent) response.destroy();
      else send(500, 'internal error\n', plain);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(
      error.code === 'EADDRINUSE' ? new UsageError(`port ${port} on 127.0.0.1 is in use`, 'choose another with --port N, or --port 0 for any free port')
        : error.code === 'EACCES' ? new UsageError(`port ${port} on 127.0.0.1 is not open to this user`, 'choose one from 1024 up with --port N, or --port 0 for any free port')
          : error));
    server.listen(port, '127.0.0.1', resolve);
  });
  boundPort = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${boundPort}/`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // keep-alive connections would hold the port until they idle out
    }),
  };
}

/** `genelmm serve`: serves the app until interrupted. */
export async function runServe(o: { port: string }): Promise<void> {
  // Digits only: Number() takes '' and ' ' for 0 (any free port), and '0x50' or '8e3' for ports too.
  const port = Number(o.port);
  if (!/^[0-9]{1,5}$/.test(o.port) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, not "${o.port}"`);
  const server = await startServer(port);
  process.stdout.write(`genelmm: the web app is at ${server.url} (Ctrl-C stops it); your data stay in your browser\n`);
}
