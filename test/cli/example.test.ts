import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { itOn, testBackend, webgpuBackend } from '../conformance/backends.js';
import { runCli, tempFiles } from '../helpers/cli.js';

const webgpu = await webgpuBackend();
const gpujs = await testBackend('gpujs');

describe("the README's quick start: genelmm fit --example, end to end", () => {
  it('writes one row per gene of the bundled data, with statuses, and a summary JSON', () => {
    const { dir, cleanup } = tempFiles({});
    try {
      const run = runCli(['fit', '--example', '--backend', 'cpu', '--summary', 'summary.json'], dir);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /Example: Bottomly et al\. 2011/);
      const lines = fs.readFileSync(path.join(dir, 'genelmm-example.tsv'), 'utf8').trimEnd().split('\n');
      const header = lines[0].split('\t');
      assert.deepEqual(header.slice(0, 5), ['gene', 'status', 'n', 'n_groups', 'mean']);
      assert.ok(header.includes('p_strainDBA/2J') && header.includes('h2_lo'), header.join(' '));
      assert.equal(lines.length - 1, 36_536, 'one row per gene of bottomly_count_table.tsv');
      const statusCounts: Record<string, number> = {};
      for (const line of lines.slice(1)) {
        const status = line.split('\t')[1];
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      }
      // 22,604 genes are zero in every sample (data/bottomly/SOURCE.md): all constant, nothing else is.
      assert.equal(statusCounts.constant, 22_604);
      assert.equal((statusCounts.ok ?? 0) + (statusCounts.singular ?? 0), 36_536 - 22_604);
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
      assert.deepEqual(summary.statuses, { ok: statusCounts.ok, singular: statusCounts.singular, constant: 22_604,
        insufficient: 0, filtered: 0, failed: 0 });
      for (const phase of ['readMs', 'prepareMs', 'fitMs', 'writeMs', 'totalMs']) assert.ok(summary.timings[phase] >= 0, phase);
      assert.ok(summary.peakRssMB > 0);
      assert.equal(summary.backend.name, 'cpu');
    } finally {
      cleanup();
    }
  });

  for (const [backend, args] of [[webgpu, []], [gpujs, ['--backend', 'gpujs']]] as const) {
    itOn(backend, `genelmm compare --example${args.length ? ` ${args.join(' ')}` : ''}: the GPU agrees with the CPU within SPEC §6 (exit 0)`, () => {
      const run = runCli(['compare', '--example', '--quiet', ...args]);
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, new RegExp(`GPU: ${backend.name} on `));
      assert.match(run.stdout, /statuses: identical/);
      assert.match(run.stdout, /agreement: within SPEC §6/);
    });
  }
});
