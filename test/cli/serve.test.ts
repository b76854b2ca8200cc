/**
 * `genelmm serve`: it prints where the app is, serves its files on 127.0.0.1 with the Content-Security-Policy,
 * nothing outside dist/web and nothing but GET and HEAD; a bad or busy port is a usage error (exit 2).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY } from '../../src/content-security-policy.js';
import { startServer } from '../../src/cli/serve.js';
import { CLI, runCli } from '../helpers/cli.js';

describe('genelmm serve', () => {
  it('prints its address and serves the app, and only the app', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString()));
        child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(line)?.[0];
      assert.ok(url, line);
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
      child.kill();
    }
  });

  it('a port that is not one, or one in use, is a usage error', async () => {
    const bad = runCli(['serve', '--port', 'eighty']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--port must be an integer from 0 to 65535, not "eighty"/);
    const taken = await startServer(0);
    try {
      const busy = runCli(['serve', '--port', new URL(taken.url).port]);
      assert.equal(busy.status, 2);
      assert.match(busy.stderr, /is in use\n {2}choose another with --port N, or --port 0/);
    } finally {
      await taken.close();
    }
  });
});
