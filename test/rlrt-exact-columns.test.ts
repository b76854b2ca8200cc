import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes, fitTable } from '../src/fit-genes.js';
import { CLASSICS_LME4, FIXTURES_LME4, loadCase, REPO_ROOT } from './helpers/cases.js';

interface RlrtCase {
  name: string;
  source: string;
  formula: string;
  genes: { gene: string; p_value: number; nsim: number }[];
}

const NSIM = 20_000;
const SEED = 4;
const FIXTURE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/rlrt-exact.json'), 'utf8')) as { cases: RlrtCase[] };

describe('--rlrt-exact through fitGenes: columns and agreement with RLRsim::exactRLRT', () => {
  it('adds p_rlrt_exact and q_rlrt_exact only when asked for', async () => {
    const c = await loadCase(CLASSICS_LME4, 'Dyestuff');
    const plain = fitTable(await fitGenes(c.matrix, c.samples, c.formula, { backend: 'cpu', threads: 1 }));
    assert.ok(!plain.columns.includes('p_rlrt_exact'));
    const exact = await fitGenes(c.matrix, c.samples, c.formula, { backend: 'cpu', threads: 1, rlrtExact: NSIM, seed: SEED });
    const columns = fitTable(exact).columns;
    assert.deepEqual(columns.slice(columns.indexOf('q_lrt') + 1, columns.indexOf('q_lrt') + 3), ['p_rlrt_exact', 'q_rlrt_exact']);
    assert.deepEqual(exact.rlrtExact, { nsim: NSIM, seed: SEED, patterns: 1 });
  });

  for (const rc of FIXTURE.cases.filter((x) => ['Dyestuff', 'unbalanced', 'missing', 'covariates'].includes(x.name))) {
    it(`${rc.name}: every gene within 4·√(p(1−p)/nsim) + 2/nsim of RLRsim`, async () => {
      const c = await loadCase(rc.source === 'classics' ? CLASSICS_LME4 : FIXTURES_LME4, rc.name);
      const fit = await fitGenes(c.matrix, c.samples, rc.formula, { backend: 'cpu', threads: 1, rlrtExact: NSIM, seed: SEED });
      const failures: string[] = [];
      for (const ref of rc.genes) {
        const g = c.matrix.geneIds.indexOf(ref.gene);
        const actual = fit.results.pRlrtExact[g];
        const p = ref.p_value;
        const bound = 4 * Math.sqrt((p * (1 - p)) / NSIM) + 2 / NSIM;
        if (!(Math.abs(actual - p) <= bound)) failures.push(`${rc.name} ${ref.gene} p_rlrt_exact: expected ${p}, actual ${actual}, bound ${bound}`);
      }
      assert.deepEqual(failures, [], failures.join('\n'));
      const q = fit.results.qRlrtExact;
      for (let g = 0; g < fit.results.nGenes; g++) assert.ok(Number.isNaN(q[g]) || q[g] >= fit.results.pRlrtExact[g]);
    });
  }
});
