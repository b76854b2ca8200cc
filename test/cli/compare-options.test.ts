import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, runCli, tempFiles, TINY_SHEET } from '../helpers/cli.js';

/** A matrix that does not parse (m.tsv:2:3): every error below must come before it is read. */
const UNREADABLE = 'gene\ts1\ts2\ts3\ts4\ts5\ts6\ng1\t1\tabc\t3\t4\t5\t6\n';

describe('genelmm compare refuses what it would ignore (exit 2, before reading)', () => {
  const CASES: { title: string; args: (dir: string) => string[]; says: RegExp }[] = [
    { title: '--out', args: (dir) => ['--out', path.join(dir, 'r.tsv')], says: /--out is for genelmm fit/ },
    { title: '--summary', args: (dir) => ['--summary', path.join(dir, 's.json')], says: /--summary is for genelmm fit/ },
    { title: '--format', args: () => ['--format', 'csv'], says: /--format is for genelmm fit/ },
    { title: '--backend cpu', args: () => ['--backend', 'cpu'], says: /compare always fits on the CPU.*\n.*--backend webgpu/ },
    { title: 'a model without random terms', args: () => ['--formula', '~ trt'],
      says: /compare checks the GPU against the CPU, and a model without random terms is least squares, fitted on the CPU/ },
    { title: 'gpu.js with two random terms', args: () => ['--formula', '~ 1 + (1 | group) + (1 | trt)', '--backend', 'gpujs'],
      says: /gpu\.js has no programs for several random terms, ML or variance fractions\n.*--backend webgpu/ },
    { title: 'gpu.js with --method ml', args: () => ['--method', 'ml', '--backend', 'gpujs'], says: /gpu\.js has no programs for several random terms/ },
  ];
  for (const c of CASES) {
    it(c.title, () => {
      const { dir, cleanup } = tempFiles({ 'm.tsv': UNREADABLE, 's.tsv': TINY_SHEET });
      try {
        const run = runCli(['compare', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'),
          '--formula', '~ trt + (1 | group)', ...c.args(dir)]);
        assert.equal(run.status, 2, `exit 2, got ${run.status}: ${run.stderr}`);
        assert.match(run.stderr, c.says);
        assert.doesNotMatch(run.stderr, /m\.tsv:2/);
        assert.equal(run.stdout, '');
      } finally {
        cleanup();
      }
    });
  }

  it('without any GPU adapter: one message, exit 2, no fallback notice, before reading', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': UNREADABLE, 's.tsv': TINY_SHEET });
    try {
      // A Vulkan loader pointed at no driver: Dawn finds no adapter, as on a machine without a GPU.
      const r = spawnSync(process.execPath, [CLI, 'compare', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'),
        '--formula', '~ trt + (1 | group)'], { encoding: 'utf8', env: { ...process.env, CI: '', VK_ICD_FILENAMES: path.join(dir, 'none.json') } });
      assert.equal(r.status, 2, `exit 2, got ${r.status}: ${r.stderr}`);
      const ours = r.stderr.split('\n').filter((line) => /^genelmm|^ {2}\S/.test(line));
      assert.match(ours[0], /^genelmm: error: genelmm compare needs a GPU backend, and there is none: /);
      assert.doesNotMatch(r.stderr, /fitting on the CPU instead|m\.tsv:2/);
      assert.equal(r.stdout, '');
    } finally {
      cleanup();
    }
  });
});
