/**
 * `--bootstrap B` (issue #4 part 3): the parametric bootstrap of src/simulation/bootstrap.ts through fitGenes. Replicates
 * are reproducible from the seed, one replicate's y* is recomputed here draw by draw from the Philox stream's
 * addresses and refitted independently, the intervals cover the true h2 of simulated genes about 95% of the time,
 * and the columns appear only with the option, for singular genes too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bootstrapModel, bootstrapReplicate, bootstrapWork, BOOTSTRAP_PROBS } from '../src/simulation/bootstrap.js';
import { fitGenes, fitTable, type FitResult } from '../src/fit-genes.js';
import type { ExpressionMatrix } from '../src/io/types.js';
import { computeGeneStats } from '../src/model/gene-stats.js';
import { searchLambda } from '../src/model/lambda-search.js';
import { GenePreparer, type ReadyGene } from '../src/model/prepare.js';
import { profileAt } from '../src/model/reml.js';
import { type GeneResults } from '../src/results/gene-results.js';
import { statusCode } from '../src/results/statuses.js';
import { bootstrapNormalAt, philoxKey } from '../src/stats/philox.js';
import { quantileType7 } from '../src/stats/quantile.js';
import { FIXTURES_LME4, loadCase, REPO_ROOT } from './helpers/cases.js';

const cpu = { backend: 'cpu', threads: 1 } as const;
const BOOT_KEYS = ['h2BootLo', 'h2BootHi', 'sigma2GBootLo', 'sigma2GBootHi', 'sigma2EBootLo', 'sigma2EBootHi'] as const;
const BOOT_COLUMNS = ['h2_boot_lo', 'h2_boot_hi', 'sigma2_group_boot_lo', 'sigma2_group_boot_hi', 'sigma2_resid_boot_lo',
  'sigma2_resid_boot_hi'];

/** The first `nGenes` genes of a matrix. */
function firstGenes(m: ExpressionMatrix, nGenes: number): ExpressionMatrix {
  return { ...m, nGenes, geneIds: m.geneIds.slice(0, nGenes), values: m.values.slice(0, nGenes * m.nSamples) };
}

/** Gene g prepared again as the fit prepared it (no transform or filters in these fixtures). */
function readyGene(fit: FitResult, m: ExpressionMatrix, g: number): ReadyGene {
  const preparer = new GenePreparer(fit.context);
  const prepared = preparer.prepare(m.values.subarray(g * m.nSamples, (g + 1) * m.nSamples));
  assert.equal(prepared.status, 'ready');
  return prepared as ReadyGene;
}

const fittedGenes = (r: GeneResults): number[] =>
  Array.from({ length: r.nGenes }, (_, g) => g).filter((g) => r.status[g] === statusCode('ok') || r.status[g] === statusCode('singular'));

describe('quantileType7', () => {
  it('equals R quantile(x, c(0.025, 0.975), type = 7), ties and a single value included', () => {
    const cases: [number[], [number, number]][] = [
      [[0.3, 0.1, 0.7, 0.2, 0.9, 0.4, 0.05], [0.057500000000000002, 0.86999999999999988]],
      [Array.from({ length: 200 }, (_, i) => (i + 1) ** 2 / 7), [5.1035714285714304, 5433.5392857142851]],
      [[0, 0, 0, 0, 0, 0.5, 1], [0, 0.92499999999999982]],
      [[3.5], [3.5, 3.5]],
    ];
    for (const [x, expected] of cases) {
      const sorted = Float64Array.from(x).sort();
      const actual = BOOTSTRAP_PROBS.map((p) => quantileType7(sorted, p));
      assert.deepEqual(actual, expected, `x = ${x.slice(0, 8).join(', ')}…: expected ${expected}, actual ${actual}`);
    }
    assert.ok(Number.isNaN(quantileType7([], 0.5)));
  });
});

describe('--bootstrap through fitGenes', () => {
  it('is reproducible: the same seed gives identical columns, another seed different ones', async () => {
    const c = await loadCase(FIXTURES_LME4, 'sim300');
    const m = firstGenes(c.matrix, 12);
    const run = (seed: number): Promise<FitResult> => fitGenes(m, c.samples, c.formula, { ...cpu, bootstrap: 40, seed });
    const [a, b, other] = [await run(11), await run(11), await run(12)];
    assert.deepEqual(a.bootstrap, { B: 40, seed: 11, genes: 12, failedReplicates: 0 });
    for (const key of BOOT_KEYS) {
      assert.deepEqual(Array.from(b.results[key]), Array.from(a.results[key]), `${key} with seed 11 twice`);
      for (let g = 0; g < m.nGenes; g++) assert.ok(Number.isFinite(a.results[key][g]), `${key} of ${m.geneIds[g]}: ${a.results[key][g]}`);
    }
    for (let g = 0; g < m.nGenes; g++) {
      for (const key of ['sigma2EBootLo', 'sigma2EBootHi'] as const) {
        assert.notEqual(other.results[key][g], a.results[key][g], `${key} of ${m.geneIds[g]} is the same under seeds 11 and 12`);
      }
    }
  });

  it('one replicate is addressable: y* recomputed from (seed, gene, replicate, draw) and refitted independently', async () => {
    // `missing` has genes with missing values: their draws keep the addresses of their group levels and design rows.
    const c = await loadCase(FIXTURES_LME4, 'missing');
    const seed = 2026;
    const B = 30;
    const fit = await fitGenes(c.matrix, c.samples, c.formula, { ...cpu, bootstrap: B, seed });
    const r = fit.results;
    const { design } = fit.context;
    const nLevels = design.randomTerms[0].levels.length;
    const withMissing = fittedGenes(r).filter((g) => r.n[g] < design.nObs);
    assert.ok(withMissing.length > 0, 'the fixture has a fitted gene with missing values');
    for (const g of [fittedGenes(r)[0], withMissing[0]]) {
      const { pattern } = readyGene(fit, c.matrix, g);
      const beta = Array.from(pattern.columns, (k) => r.beta[g * r.p + k]);
      const b = 17;
      // y*_i = (Xβ̂)_i + σ̂_g z[level of i] + σ̂_e z[L + design row of i], each z from its own address.
      const yStar = Float64Array.from(pattern.rows, (row) => {
        let xb = 0;
        pattern.columns.forEach((k, a) => {
          xb += design.x[row * design.p + k] * beta[a];
        });
        return xb + Math.sqrt(r.sigma2G[g]) * bootstrapNormalAt(seed, g, b, design.randomTerms[0].codes[row])
          + Math.sqrt(r.sigma2E[g]) * bootstrapNormalAt(seed, g, b, nLevels + row);
      });
      const stats = computeGeneStats(pattern, yStar);
      const search = searchLambda(stats);
      const sigma2E = profileAt(stats, search.lambda)!.sigma2E;

      const model = bootstrapModel(design, pattern, g, beta, Math.sqrt(r.sigma2G[g]), Math.sqrt(r.sigma2E[g]));
      const work = bootstrapWork(model);
      const replicate = bootstrapReplicate(model, philoxKey(seed), b, work);
      for (let i = 0; i < pattern.n; i++) {
        assert.ok(Math.abs(work.y[i] - yStar[i]) <= 1e-12 * Math.abs(yStar[i]), `${c.matrix.geneIds[g]} y*[${i}]: expected ${yStar[i]}, actual ${work.y[i]}`);
      }
      const tol = (x: number): number => 1e-10 * Math.max(Math.abs(x), 1e-12);
      assert.ok(Math.abs(replicate.lambda - search.lambda) <= tol(search.lambda), `λ*: expected ${search.lambda}, actual ${replicate.lambda}`);
      assert.ok(Math.abs(replicate.sigma2E - sigma2E) <= tol(sigma2E), `σ²_e*: expected ${sigma2E}, actual ${replicate.sigma2E}`);
      assert.ok(Math.abs(replicate.sigma2G - search.lambda * sigma2E) <= tol(search.lambda * sigma2E), `σ²_g*: ${replicate.sigma2G}`);
      assert.ok(Math.abs(replicate.h2 - search.lambda / (1 + search.lambda)) <= 1e-12, `h2*: ${replicate.h2}`);

      // The columns are the type-7 quantiles of exactly these replicates, b = 0..B−1.
      const fits = Array.from({ length: B }, (_, k) => bootstrapReplicate(model, philoxKey(seed), k, work));
      const ends = (values: number[]): number[] => BOOTSTRAP_PROBS.map((p) => quantileType7(Float64Array.from(values).sort(), p));
      const name = c.matrix.geneIds[g];
      assert.deepEqual([r.h2BootLo[g], r.h2BootHi[g]], ends(fits.map((f) => f.h2)), `${name} h2 interval`);
      assert.deepEqual([r.sigma2GBootLo[g], r.sigma2GBootHi[g]], ends(fits.map((f) => f.sigma2G)), `${name} σ²_g interval`);
      assert.deepEqual([r.sigma2EBootLo[g], r.sigma2EBootHi[g]], ends(fits.map((f) => f.sigma2E)), `${name} σ²_e interval`);
    }
  });

  it('covers the true h2 of simulated genes (sim300, B = 200) about 95% of the time', async () => {
    const c = await loadCase(FIXTURES_LME4, 'sim300');
    const truth = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/lme4/sim300.lme4.json'), 'utf8')) as
      { genes: { gene: string; h2_true: number }[] };
    const fit = await fitGenes(c.matrix, c.samples, c.formula, { ...cpu, bootstrap: 200, seed: 1 });
    const r = fit.results;
    let covered = 0;
    const widthBoot: number[] = [];
    const widthProfile: number[] = [];
    const genes = fittedGenes(r);
    for (const g of genes) {
      const h2 = truth.genes.find((x) => x.gene === c.matrix.geneIds[g])!.h2_true;
      if (r.h2BootLo[g] <= h2 && h2 <= r.h2BootHi[g]) covered++;
      widthBoot.push(r.h2BootHi[g] - r.h2BootLo[g]);
      widthProfile.push(r.h2Hi[g] - r.h2Lo[g]);
    }
    const share = covered / genes.length;
    const median = (x: number[]): number => x.sort((a, b) => a - b)[x.length >> 1];
    const ratio = median(widthBoot) / median(widthProfile);
    console.log(`bootstrap coverage of h2_true: ${covered}/${genes.length} = ${share.toFixed(3)}; median width ` +
      `${median(widthBoot).toFixed(3)} (profile-likelihood interval ${median(widthProfile).toFixed(3)}); ${fit.timings.bootstrapMs.toFixed(0)} ms`);
    assert.ok(genes.length >= 250, `${genes.length} fitted genes`);
    assert.ok(share >= 0.85 && share <= 1.0, `coverage ${share}`);
    // Honest width: a bootstrap that ignored the data (intervals [0, 1]) would cover everything.
    assert.ok(ratio > 0.7 && ratio < 1.3, `median width of the bootstrap interval / the profile interval: ${ratio}`);
  });

  it('adds its six columns after h2_hi only with the option; singular genes get intervals, unfitted genes NA', async () => {
    const c = await loadCase(FIXTURES_LME4, 'singular');
    // One more gene, constant: not fitted, so not bootstrapped.
    const constant = new Float64Array(c.matrix.nSamples).fill(3);
    const m: ExpressionMatrix = { ...c.matrix, nGenes: c.matrix.nGenes + 1, geneIds: [...c.matrix.geneIds, 'flat'],
      values: Float64Array.from([...c.matrix.values, ...constant]) };
    const plain = await fitGenes(m, c.samples, c.formula, cpu);
    assert.equal(plain.bootstrap, undefined);
    for (const name of BOOT_COLUMNS) assert.ok(!fitTable(plain).columns.includes(name), `${name} without --bootstrap`);
    for (const key of BOOT_KEYS) assert.ok(plain.results[key].every(Number.isNaN), `${key} without --bootstrap`);

    const fit = await fitGenes(m, c.samples, c.formula, { ...cpu, bootstrap: 100, seed: 3 });
    const table = fitTable(fit);
    const at = table.columns.indexOf('h2_hi');
    assert.deepEqual(table.columns.slice(at + 1, at + 7), BOOT_COLUMNS);
    assert.equal(table.columns.length, fitTable(plain).columns.length + 6);
    const r = fit.results;
    const flat = m.nGenes - 1;
    assert.equal(r.status[flat], statusCode('constant'));
    const rows = [...table.rows];
    for (const name of BOOT_COLUMNS) assert.equal(rows[flat][table.columns.indexOf(name)], null, `${name} of a constant gene`);
    const singular = fittedGenes(r).filter((g) => r.status[g] === statusCode('singular'));
    assert.ok(singular.length > 0, 'the fixture has singular genes');
    assert.equal(fit.bootstrap!.genes, fittedGenes(r).length);
    for (const g of fittedGenes(r)) {
      const name = m.geneIds[g];
      for (const [lo, hi] of [['h2BootLo', 'h2BootHi'], ['sigma2GBootLo', 'sigma2GBootHi'], ['sigma2EBootLo', 'sigma2EBootHi']] as const) {
        assert.ok(r[lo][g] >= 0 && r[lo][g] <= r[hi][g], `${name} ${lo} ${r[lo][g]}, ${hi} ${r[hi][g]}`);
      }
      assert.ok(r.h2BootHi[g] < 1 && r.sigma2EBootLo[g] > 0, `${name}: h2 up to ${r.h2BootHi[g]}, σ²_e from ${r.sigma2EBootLo[g]}`);
    }
    // A singular fit simulates no group effect: its replicates are mostly singular too, so the interval starts at 0.
    for (const g of singular) {
      assert.equal(r.h2BootLo[g], 0, `${m.geneIds[g]} h2_boot_lo`);
      assert.ok(r.h2BootHi[g] > 0, `${m.geneIds[g]} h2_boot_hi ${r.h2BootHi[g]}`);
    }
  });
});
