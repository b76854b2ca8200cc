/**
 * `genelmm serve`: it prints where the app is, serves its files on 127.0.0.1 with the Content-Security-Policy,
 * nothing outside dist/web and nothing but GET and HEAD, only to a Host of 127.0.0.1 or localhost at its port;
 * no request stops it; a bad, busy or forbidden port is a usage error (exit 2).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY } from '../../src/content-security-policy.js';
import { startServer } from '../../src/cli/serve.js';
import { CLI, runCli } from '../helpers/cli.js';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process.js';

/** Starts `genelmm serve --port 0`. */
function serve(): Promise<ServeProcess> {
  return startServeProcess(process.execPath, [CLI, 'serve', '--port', '0']);
}

/** The status of GET `target` sent to 127.0.0.1:`port` with the given Host header (none: undefined). */
function status(port: number, target: string, host: string | undefined = `127.0.0.1:${port}`): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: target, agent: false, setHost: host !== undefined,
      headers: host === undefined ? {} : { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}

/** The status line of `raw` written to 127.0.0.1:`port` as it is, for requests node:http would not send. */
function rawStatus(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(raw));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => resolve(text.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

describe('genelmm serve', () => {
  it('prints its address and serves the app, and only the app', async () => {
    const server = await serve();
    const { url } = server;
    try {
      const index = await fetch(url);
      assert.equal(index.status, 200);
      assert.match(index.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(index.headers.get('content-security-policy'), `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
      assert.match(await index.text(), /<title>genelmm/);
      // Encoded slashes survive URL parsing and decode to dist/web/../../package.json, the repository's.
      const outside = await new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: new URL(url).port, path: '/..%2f..%2fpackage.json' }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(outside, 404, 'nothing outside dist/web');
      assert.equal((await fetch(`${url}absent.js`)).status, 404);
      assert.equal((await fetch(url, { method: 'POST', body: 'x' })).status, 405);
    } finally {
      server.stop();
    }
  });

  it('answers a bad request with 400, 404 or 414 and goes on serving', async () => {
    const server = await serve();
    const { port } = server;
    try {
      const bad: [string, number][] = [
        ['/index.html%00.png', 400], // a NUL in the path made fs throw, and the process exit
        ['/%0a', 400],
        ['/%E0%A4%A', 400], // malformed percent-encoding
        ['/%FF', 400],
        [`/${'a'.repeat(5000)}`, 414],
        ['/%2e%2e/%2e%2e/package.json', 404],
        ['/assets', 404], // a directory
        ['/assets/', 404],
      ];
      for (const [target, expected] of bad) {
        assert.equal(await status(port, target), expected, target.slice(0, 40));
        assert.equal(await status(port, '/'), 200, `still serving after ${target.slice(0, 40)}`);
      }
      // Past node's header limit the request is refused before the app sees it; the server goes on.
      assert.equal(await status(port, `/${'a'.repeat(100_000)}`), 431);
      assert.match(await rawStatus(port, `GET /a\u0000b HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`), /^HTTP\/1\.1 400 /);
      for (const absolute of ['http://evil.example/', `http://127.0.0.1:${port}/`, '//evil.example/index.html']) {
        const line = await rawStatus(port, `GET ${absolute} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
        assert.match(line, /^HTTP\/1\.1 400 /, `${absolute}: a target that is not a path`);
      }
      assert.equal(await status(port, '/'), 200);
      assert.ok(server.running(), 'the server runs');
    } finally {
      server.stop();
    }
  });

  it('answers only a Host of 127.0.0.1 or localhost at its port (no DNS rebinding)', async () => {
    const server = await serve();
    const { port } = server;
    try {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`]) {
        assert.equal(await status(port, '/', host), 200, host);
      }
      for (const host of [`rebound.example:${port}`, `127.0.0.1.rebound.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1',
        `localhost.:${port}`, `[::1]:${port}`, `127.0.0.1:${port}@rebound.example`]) {
        assert.equal(await status(port, '/', host), 403, `Host: ${host}`);
        assert.equal(await status(port, '/index.html', host), 403, `Host: ${host}`);
      }
      assert.match(await rawStatus(port, 'GET / HTTP/1.1\r\nHost: \r\n\r\n'), /^HTTP\/1\.1 403 /, 'an empty Host header');
      assert.match(await rawStatus(port, 'GET / HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 400 /, 'no Host header');
      assert.equal(await status(port, '/'), 200);
    } finally {
      server.stop();
    }
  });

  it('a port that is not one, or one in use, is a usage error', async () => {
    // '' read as 0 (any free port) before; '0x50' and '8e3' as 80 and 8000.
    for (const value of ['eighty', '', '0x50', '8e3', '65536']) {
      // A server that starts runs until killed: the timeout ends it, and the status is then null, not 2.
      const bad = spawnSync(process.execPath, [CLI, 'serve', '--port', value], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(bad.status, 2, `--port "${value}"`);
      assert.match(bad.stderr, new RegExp(`--port must be an integer from 0 to 65535, not "${value}"`));
    }
    const taken = await startServer(0);
    try {
      const busy = runCli(['serve', '--port', new URL(taken.url).port]);
      assert.equal(busy.status, 2);
      assert.match(busy.stderr, /is in use\n {2}choose another with --port N, or --port 0/);
    } finally {
      await taken.close();
    }
  });

  it('a port this user may not open is a usage error', async (t) => {
    const open = await new Promise<boolean>((resolve) => {
      const probe = net.createServer().once('error', () => resolve(false)).listen(1, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (open) return t.skip('this user may open port 1 (root, or unprivileged ports start at 0 here)');
    const denied = runCli(['serve', '--port', '1']);
    assert.equal(denied.status, 2);
    assert.match(denied.stderr, /port 1 on 127\.0\.0\.1 is not open to this user\n {2}choose one from 1024 up/);
  });
});
