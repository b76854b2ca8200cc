/**
 * The REML fit does not depend on y's part in X's column space: adding X b to every gene moves β̂ by b and nothing
 * else. In f64 that holds only where the statistics are taken of y's residual from X when X explains nearly all of
 * y (dominantFixedPart): r_λ is otherwise a difference of sums that grow with y's part in X, and a treatment effect
 * 10⁴ times the residual SD moved σ̂²_group by 7e-4 relative (10⁵: by 2.5e-2). Checked on the one-intercept engine
 * (sim300, unweighted and with precision weights) and the kinship engine (the replicates fixture), cpu backend.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type FitOptions, type FitResult, fitGenes } from '../../src/fit-genes.js';
import { readKinship } from '../../src/io/kinship-files.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { FIXTURES_LME4, loadCase, REPO_ROOT } from '../helpers/cases.js';
import type { Input } from '../helpers/inputs.js';
import { isFitted } from '../../src/results/gene-results.js';

/** `input` with `effect` added to every value of the samples whose `column` is not the first sample's level. */
function withEffect(input: Input, column: string, effect: number): Input {
  const levels = input.samples.columns.get(column)!;
  const at = input.matrix.sampleIds.map((id) => input.samples.ids.indexOf(id));
  const { nSamples } = input.matrix;
  const values = input.matrix.values.map((v, k) => v + (levels[at[k % nSamples]] === levels[0] ? 0 : effect));
  return { ...input, matrix: { ...input.matrix, values } };
}

const fit = (input: Input, options: FitOptions = {}): Promise<FitResult> =>
  fitGenes(input.matrix, input.samples, input.formula, { ...options, backend: 'cpu', threads: 1, onNotice: () => undefined });

/**
 * Fitted genes and columns where `shifted` is not `base` within `rel` relative (of at least 1e-2: h2's interval ends
 * near 0): variances, h2 and its interval, LRT.
 * (A constant gene is constant no more once the effect is added: it lies in X's span, and is left out.)
 */
function moved(base: FitResult, shifted: FitResult, rel: number): string[] {
  const lines: string[] = [];
  for (const key of ['sigma2G', 'sigma2E', 'h2', 'h2Lo', 'h2Hi', 'lrt'] as const) {
    base.results[key].forEach((expected, g) => {
      if (!isFitted(base.results, g)) return;
      const actual = shifted.results[key][g];
      if (!(Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-2)) && !(Number.isNaN(expected) && Number.isNaN(actual))) {
        lines.push(`${base.geneIds[g]} ${key}: ${expected} → ${actual}`);
      }
    });
  }
  return lines;
}

describe('a fixed part far larger than the rest leaves the variance components where they are (cpu)', () => {
  for (const effect of [1e4, 1e5]) {
    it(`one random intercept (sim300): treatment effect ${effect}`, async () => {
      const input = await loadCase(FIXTURES_LME4, 'sim300');
      const base = await fit(input);
      const shifted = await fit(withEffect(input, 'treatment', effect));
      assert.deepEqual(moved(base, shifted, 1e-8).slice(0, 10), []);
      const k = base.coefNames.findIndex((name) => name.startsWith('treatment'));
      base.results.beta.forEach((b, at) => {
        if (at % base.results.p === k) assert.ok(Math.abs(shifted.results.beta[at] - b - effect) <= 1e-8 * effect, `β̂ moves by the effect (${at})`);
      });
    });
  }

  it('one random intercept with precision weights (sim300): treatment effect 1e5, and β̂ moves by it', async () => {
    const input = await loadCase(FIXTURES_LME4, 'sim300');
    const weights = { ...input.matrix, values: input.matrix.values.map((_, k) => 0.5 + (k % 7) / 7) };
    const base = await fit(input, { weights });
    const shifted = await fit(withEffect(input, 'treatment', 1e5), { weights });
    assert.deepEqual(moved(base, shifted, 1e-8).slice(0, 10), []);
    const k = base.coefNames.findIndex((name) => name.startsWith('treatment'));
    base.results.beta.forEach((b, at) => {
      const expected = b + (at % base.results.p === k ? 1e5 : 0);
      assert.ok(Math.abs(shifted.results.beta[at] - expected) <= 1e-8 * 1e5, `β̂ ${at}: ${shifted.results.beta[at]} against ${expected}`);
    });
  });

  it('kinship (replicates): sex effect 1e5', async () => {
    const dir = path.join(REPO_ROOT, 'test/fixtures/kinship');
    const input = { matrix: await readMatrix(path.join(dir, 'replicates.expr.tsv')), samples: await readSampleSheet(path.join(dir, 'replicates.samples.tsv')),
      formula: '~ sex + (1 | individual)' };
    const kinship = await readKinship(path.join(dir, 'sim'));
    const base = await fit(input, { kinship });
    const shifted = await fit(withEffect(input, 'sex', 1e5), { kinship });
    assert.deepEqual(moved(base, shifted, 1e-8).slice(0, 10), []);
  });
});
