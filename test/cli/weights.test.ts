/**
 * `genelmm fit --weights FILE`: the weights are matched to the expression matrix by gene and sample id, whatever
 * their order or format; a weight may be missing where the value is; and the GPU backends hand a weighted run to
 * the CPU with a notice.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempFiles, TINY_SHEET } from '../helpers/cli.js';

const SAMPLES = ['s1', 's2', 's3', 's4', 's5', 's6'];
const MATRIX = 'gene\ts1\ts2\ts3\ts4\ts5\ts6\ng1\t1.5\t2\t3.25\t4\t0.5\t6\ng2\t2\tNA\t3\t5\t4\t4.5\ng3\t7\t6\t8.5\t5\t6.5\t9\n';
/** Weights of g1..g3 in s1..s6, NA where g2 is missing. */
const WEIGHTS: Record<string, (number | 'NA')[]> = {
  g1: [0.5, 1, 2, 1.5, 0.8, 1.2], g2: [1, 'NA', 0.3, 2, 1.1, 0.9], g3: [2.5, 0.4, 1, 1, 3, 0.7],
};

function weightsText(genes: string[], samples: string[], separator: string): string {
  const line = (cells: (string | number)[]): string => `${cells.join(separator)}\n`;
  return line(['gene', ...samples]) + genes.map((g) => line([g, ...samples.map((s) => WEIGHTS[g][SAMPLES.indexOf(s)])])).join('');
}

describe('genelmm fit --weights', () => {
  it('matches weights by gene and sample id: another order and format give the same table; a weight may be NA where the value is', () => {
    const { dir, cleanup } = tempFiles({
      'm.tsv': MATRIX, 's.tsv': TINY_SHEET,
      'w.tsv': weightsText(['g1', 'g2', 'g3'], SAMPLES, '\t'),
      'shuffled.csv': weightsText(['g3', 'g1', 'g2'], ['s4', 's2', 's6', 's1', 's5', 's3'], ','),
    });
    try {
      const fit = (weights: string, out: string): string => {
        const run = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula', '~ trt + (1 | group)',
          '--backend', 'cpu', '--quiet', '--weights', path.join(dir, weights), '--out', path.join(dir, out)]);
        assert.equal(run.status, 0, run.stderr);
        return fs.readFileSync(path.join(dir, out), 'utf8');
      };
      const inOrder = fit('w.tsv', 'a.tsv');
      assert.equal(fit('shuffled.csv', 'b.tsv'), inOrder);
      const unweighted = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula',
        '~ trt + (1 | group)', '--backend', 'cpu', '--quiet']);
      assert.notEqual(unweighted.stdout, inOrder, 'the weights change the fit');
    } finally {
      cleanup();
    }
  });

  it('--backend webgpu with weights fits on the CPU and says why', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': MATRIX, 's.tsv': TINY_SHEET, 'w.tsv': weightsText(['g1', 'g2', 'g3'], SAMPLES, '\t') });
    try {
      const run = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula', '~ trt + (1 | group)',
        '--backend', 'webgpu', '--weights', path.join(dir, 'w.tsv'), '--out', path.join(dir, 'r.tsv'), '--summary', path.join(dir, 'r.json')]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /--backend webgpu: the GPU programs fit unweighted models, and this run has --weights; fitting on the CPU instead/);
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'r.json'), 'utf8'));
      assert.equal(summary.backend.name, 'cpu');
      assert.equal(summary.inputs.weights, path.join(dir, 'w.tsv'));
    } finally {
      cleanup();
    }
  });
});
