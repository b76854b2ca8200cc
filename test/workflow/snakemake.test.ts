import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { inCi } from '../conformance/backends.js';
import { CLI, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { EXAMPLE } from '../../src/example.js';

const hasSnakemake = spawnSync('snakemake', ['--version'], { encoding: 'utf8' }).status === 0;

describe('workflow/Snakefile: the example in 3 shards, fitted as jobs and merged, is the whole run', () => {
  it('locally with --cores 2: the merged table equals genelmm fit on the whole matrix, byte for byte', (t) => {
    if (!hasSnakemake) {
      // CI installs Debian's snakemake (.ci/run): there its absence is a failure.
      assert.ok(!inCi(), 'snakemake is not installed in CI, where .ci/run installs it');
      t.skip('snakemake is not installed (apt-get install snakemake)');
      return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-workflow-'));
    try {
      const expr = path.join(REPO_ROOT, EXAMPLE.expr);
      const samples = path.join(REPO_ROOT, EXAMPLE.samples);
      const extra = `--transform ${EXAMPLE.transform} --backend cpu --rlrt-exact 200 --seed 3`;
      const run = spawnSync('snakemake', ['--snakefile', path.join(REPO_ROOT, 'workflow/Snakefile'), '--directory', dir, '--cores', '2',
        '--config', `expr=${expr}`, `samples=${samples}`, `formula=${EXAMPLE.formula}`, 'shards=3', 'out=merged.tsv',
        `genelmm=${process.execPath} ${CLI}`, `extra=${extra}`], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const whole = runCli(['fit', '--expr', expr, '--samples', samples, '--formula', EXAMPLE.formula, ...extra.split(' '),
        '--quiet', '--out', path.join(dir, 'whole.tsv')]);
      assert.equal(whole.status, 0, whole.stderr);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'genelmm-shards')).filter((f) => f.endsWith('.tsv')).sort(),
        ['part-1.tsv', 'part-2.tsv', 'part-3.tsv']);
      assert.ok(fs.readFileSync(path.join(dir, 'merged.tsv')).equals(fs.readFileSync(path.join(dir, 'whole.tsv'))),
        'merged.tsv differs from the whole run');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
