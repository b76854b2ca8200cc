/**
 * The kinship model's exact RLRT against RLRsim's exactRLRT on lme4 fits with the kinship's square root in Zᵀ
 * (test/fixtures/kinship/rlrt-exact.json, made by make-kinship-rlrt.R): the eigenvalues μ of each gene's design
 * (genes with missing values included, whose indicator columns must give their own samples' spectrum), the
 * simulated null's mass at 0 and quantiles, and `genelmm fit --rlrt-exact`'s p-values, within the Monte Carlo
 * bound |Δp| ≤ 4·√(p(1−p)/nsim) + 2/nsim.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes, fitTable } from '../../src/fit-genes.js';
import { readKinship } from '../../src/io/kinship-files.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { kinshipBasis, type KinshipPattern, levelKinship } from '../../src/model/kinship.js';
import { exactRlrtPValue, kinshipRlrtEigenvalues, simulatePatternRlrtNull } from '../../src/model/inference/rlrt-null.js';
import { runPreparer } from '../../src/model/run-preparer.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { monteCarloBound, type RlrtGene } from '../helpers/rlrt-fixture.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/kinship');
const NSIM = 100_000;
const SEED = 12;

const fixture: { nsim: number; cases: { name: string; formula: string; genes: RlrtGene[] }[] } =
  JSON.parse(fs.readFileSync(path.join(DIR, 'rlrt-exact.json'), 'utf8'));

for (const c of fixture.cases) {
  describe(`kinship exact RLRT, ${c.name}: against RLRsim::exactRLRT (nsim ${NSIM} here, ${fixture.nsim} in R)`, async () => {
    const matrix = await readMatrix(path.join(DIR, `${c.name}.expr.tsv`));
    const samples = await readSampleSheet(path.join(DIR, `${c.name}.samples.tsv`));
    const kinship = await readKinship(path.join(DIR, 'sim'));
    const design = buildDesign(parseFormula(c.formula), samples, matrix.sampleIds);
    const basis = kinshipBasis(design, levelKinship(kinship, design.randomTerms[0], () => {}));
    const preparer = runPreparer({ design, transform: 'none', librarySizes: null, filters: {}, kinship: basis });
    const patterns = new Map<string, KinshipPattern>();
    for (const g of c.genes) {
      const row = matrix.geneIds.indexOf(g.gene);
      const prepared = preparer.prepare(matrix.values.subarray(row * matrix.nSamples, (row + 1) * matrix.nSamples));
      assert.equal(prepared.status, 'ready');
      if (prepared.status === 'ready') patterns.set(g.gene, prepared.pattern as KinshipPattern);
    }

    it("μ: the non-zero eigenvalues of R's Z*ᵀ(I − P_X)Z*, for genes with and without missing values", () => {
      const failures: string[] = [];
      for (const g of c.genes) {
        const pattern = patterns.get(g.gene)!;
        assert.deepEqual([pattern.rows.length, pattern.columns.length, pattern.nLevels], [g.n, g.p, g.K], `${g.gene}: n, p, K as R's`);
        const mu = kinshipRlrtEigenvalues(pattern);
        const maxR = Math.max(...g.mu);
        const muR = g.mu.filter((v) => v > 1e-12 * maxR);
        if (mu.length !== muR.length) failures.push(`${g.gene}: ${muR.length} non-zero eigenvalues expected, ${mu.length} actual`);
        muR.forEach((v, s) => {
          if (!(Math.abs(mu[s] - v) <= 1e-9 * maxR)) failures.push(`${g.gene} μ[${s}]: expected ${v}, actual ${mu[s]}`);
        });
      }
      assert.deepEqual(failures, []);
    });

    it("the null's mass at 0 and quantiles, and genelmm fit --rlrt-exact's p-values", async () => {
      const failures: string[] = [];
      const fit = await fitGenes(matrix, samples, c.formula, { kinship, backend: 'cpu', rlrtExact: NSIM, seed: SEED });
      const table = fitTable(fit);
      const rows = [...table.rows];
      const column = (name: string): number => table.columns.indexOf(name);
      const nulls = new Map<KinshipPattern, Float64Array>();
      for (const g of c.genes) {
        const pattern = patterns.get(g.gene)!;
        const summary = g.null;
        if (summary !== null && 'p0' in summary && !nulls.has(pattern)) {
          const sample = simulatePatternRlrtNull(pattern, NSIM, SEED);
          nulls.set(pattern, sample);
          const checks: [string, number, number][] = [['P(RLRT = 0)', summary.p0, 1 - exactRlrtPValue(sample, Number.MIN_VALUE)]];
          summary.probs.forEach((prob, i) => {
            const q = summary.quantiles[i];
            if (q > 0) checks.push([`P(RLRT > R's q${prob} = ${q.toPrecision(6)})`, 1 - prob, exactRlrtPValue(sample, q)]);
          });
          for (const [what, expected, actual] of checks) {
            const b = monteCarloBound(expected, Math.min(NSIM, fixture.nsim));
            if (!(Math.abs(actual - expected) <= b)) failures.push(`${g.gene} ${what}: expected ${expected}, actual ${actual}, bound ${b.toExponential(2)}`);
          }
        }
        const row = rows[matrix.geneIds.indexOf(g.gene)];
        const lrt = row[column('lrt')] as number;
        const ours = row[column('p_rlrt_exact')] as number;
        // RLRsim's statistic of a fit at the boundary is rounding (≤ 1e-10), where genelmm's is 0 and its p-value 1.
        if (g.rlrt < 1e-8 && lrt === 0) {
          if (ours !== 1) failures.push(`${g.gene}: RLRT 0, p ${ours}`);
          continue;
        }
        if (!(Math.abs(lrt - g.rlrt) <= 1e-6 * Math.max(1, g.rlrt))) failures.push(`${g.gene} rlrt: expected ${g.rlrt}, actual ${lrt}`);
        const b = g.nsim === 0 ? 0 : monteCarloBound(g.p_value, Math.min(NSIM, g.nsim));
        if (!(Math.abs(ours - g.p_value) <= b)) failures.push(`${g.gene} p_rlrt_exact: expected ${g.p_value}, actual ${ours}, bound ${b.toExponential(2)}`);
      }
      assert.deepEqual(failures, []);
    });
  });
}
