/**
 * `--bootstrap` with `--kinship` (src/simulation/kinship-bootstrap.ts): one replicate's draw is rebuilt here in the
 * samples' own coordinates from the Philox stream's addresses (y* = Xβ̂ + σ̂_g U√S z + σ̂_e U z'), its observed part is
 * refitted by the kinship path as any gene is, and that refit equals the replicate's, for a gene with missing values
 * (whose indicator columns must make the missing rows' draws irrelevant) and one without; and the run's intervals
 * are the type-7 quantiles of those refits.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes } from '../src/fit-genes.js';
import { readKinship } from '../src/io/kinship-files.js';
import { readMatrix, readSampleSheet } from '../src/io/read-files.js';
import { type KinshipPattern, kinshipGeneStats } from '../src/model/kinship.js';
import { searchLambda } from '../src/model/lambda-search.js';
import { runPreparer } from '../src/model/run-preparer.js';
import { BOOTSTRAP_PROBS, replicateWork } from '../src/simulation/bootstrap.js';
import { kinshipBootstrapModel, kinshipBootstrapReplicate } from '../src/simulation/kinship-bootstrap.js';
import { bootstrapNormalAt, philoxKey } from '../src/stats/philox.js';
import { quantileType7 } from '../src/stats/quantile.js';
import { REPO_ROOT } from './helpers/cases.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/kinship');
const SEED = 7;
const B = 40;

describe('the kinship bootstrap', async () => {
  const matrix = await readMatrix(path.join(DIR, 'single.expr.tsv'));
  const samples = await readSampleSheet(path.join(DIR, 'single.samples.tsv'));
  const kinship = await readKinship(path.join(DIR, 'sim'));
  const fit = await fitGenes(matrix, samples, '~ sex + (1 | individual)', { kinship, backend: 'cpu', threads: 1, bootstrap: B, seed: SEED });
  const r = fit.results;
  const preparer = runPreparer(fit.context);

  for (const gene of ['gene09', 'gene15']) {
    it(`${gene}: a replicate drawn in the basis is the sample-space draw, and refits as the kinship path fits it`, () => {
      const g = matrix.geneIds.indexOf(gene);
      const prepared = preparer.prepare(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples));
      assert.equal(prepared.status, 'ready');
      if (prepared.status !== 'ready') return;
      const pattern = prepared.pattern as KinshipPattern;
      const { n, rows, columns, basis } = pattern;
      assert.equal(gene === 'gene15', rows.length < n, 'gene15 has missing values, gene09 none');
      const beta = Float64Array.from(columns, (c) => r.beta[g * r.p + c]);
      const [sigmaG, sigmaE] = [Math.sqrt(r.sigma2G[g]), Math.sqrt(r.sigma2E[g])];
      const model = kinshipBootstrapModel(pattern, g, beta, sigmaG, sigmaE);
      const work = replicateWork(pattern.n, 2 * pattern.n);
      const { design } = fit.context;
      const nPositive = basis.eigenvalues.length;
      for (const b of [0, 3, B - 1]) {
        const replicate = kinshipBootstrapReplicate(model, philoxKey(SEED), b, work);
        // y* over every design row, from the addresses: U = rotationᵀ.
        const z = (d: number): number => bootstrapNormalAt(SEED, g, b, d);
        const yStar = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let v = 0;
          for (let a = 0; a < columns.length; a++) v += design.x[i * design.p + columns[a]] * beta[a];
          for (let k = 0; k < n; k++) {
            const u = basis.rotation[k * n + i];
            v += u * ((k < nPositive ? sigmaG * Math.sqrt(basis.eigenvalues[k]) * z(k) : 0) + sigmaE * z(n + k));
          }
          yStar[i] = v;
        }
        const observed = Float64Array.from(rows, (row) => yStar[row]);
        const stats = kinshipGeneStats(pattern, observed);
        const lambda = searchLambda(stats).lambda;
        const h2 = lambda / (1 + lambda);
        assert.ok(Math.abs(replicate.h2 - h2) <= 1e-8, `${gene} replicate ${b}: h2 ${replicate.h2} in the basis, ${h2} refitted from the samples`);
      }
    });
  }

  it('the intervals are the type-7 quantiles of the replicates\' refits', () => {
    const g = matrix.geneIds.indexOf('gene15');
    const prepared = preparer.prepare(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples));
    if (prepared.status !== 'ready') assert.fail('gene15 is fitted');
    const pattern = prepared.pattern as KinshipPattern;
    const beta = Float64Array.from(pattern.columns, (c) => r.beta[g * r.p + c]);
    const model = kinshipBootstrapModel(pattern, g, beta, Math.sqrt(r.sigma2G[g]), Math.sqrt(r.sigma2E[g]));
    const work = replicateWork(pattern.n, 2 * pattern.n);
    const h2 = Float64Array.from({ length: B }, (_, b) => kinshipBootstrapReplicate(model, philoxKey(SEED), b, work).h2).sort();
    assert.deepEqual([r.h2BootLo[g], r.h2BootHi[g]], BOOTSTRAP_PROBS.map((p) => quantileType7(h2, p)));
    assert.ok(r.h2BootHi[g] > r.h2BootLo[g]);
  });
});
