import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, tempFiles } from '../helpers/cli.js';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const;

describe('a signal during the write removes the temporary file and leaves the destination untouched', () => {
  for (const signal of SIGNALS) {
    it(signal, async () => {
      const { dir, cleanup } = tempFiles({ 'r.tsv': 'old results\n' });
      try {
        // The bundled example, every gene filtered: a fast fit, then 36,536 rows to write.
        // Through sh only to forbid a core file (SIGQUIT's default action would write one into dir); exec keeps the pid.
        const child = spawn('sh', ['-c', 'ulimit -c 0; exec "$@"', 'sh', process.execPath, CLI, 'fit', '--example', '--backend', 'cpu',
          '--min-mean', '1e300', '--quiet', '--out', 'r.tsv'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          child.on('exit', (code, sig) => resolve({ code, signal: sig })));
        let running = true;
        void exited.then(() => (running = false));
        let temp: string | undefined;
        while (running && temp === undefined) {
          temp = fs.readdirSync(dir).find((name) => name.startsWith('.r.tsv.tmp-'));
          if (temp === undefined) await sleep(2);
        }
        assert.ok(temp, `the run ended before its temporary file was seen: ${stderr}`);
        child.kill(signal);
        const end = await exited;
        assert.equal(end.signal, signal, `ends as killed by ${signal} (exit status 128 + n); got code ${end.code}: ${stderr}`);
        assert.deepEqual(fs.readdirSync(dir), ['r.tsv'], 'the temporary file is removed');
        assert.equal(fs.readFileSync(path.join(dir, 'r.tsv'), 'utf8'), 'old results\n', 'the destination is untouched');
      } finally {
        cleanup();
      }
    });
  }
});
