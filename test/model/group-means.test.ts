/**
 * groupMeans against lme4: the conditional modes (ranef) and the fitted values averaged per group, first at lme4's
 * own estimates (the formula, to rounding), then at genelmm's (the whole path the web app's gene plot takes).
 * References: test/fixtures/group-means.json, made by test/fixtures/make-group-means.R.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes } from '../../src/fit-genes.js';
import { groupMeans } from '../../src/model/group-means.js';
import { GenePreparer, type ReadyGene } from '../../src/model/prepare.js';
import { FIXTURES_LME4, loadCase, REPO_ROOT } from '../helpers/cases.js';

interface ReferenceGroup { level: string; n: number; observed: number; ranef: number; fitted: number }
interface ReferenceGene { gene: string; theta: number; fixef_names: string[] | string; fixef: number[] | number; groups: ReferenceGroup[] }
const reference = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/group-means.json'), 'utf8')) as
  { cases: { name: string; genes: ReferenceGene[] }[] };
const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

describe('groupMeans: ranef and fitted group means as lme4 computes them', () => {
  for (const { name, genes } of reference.cases) {
    it(`${name}: ${genes.length} genes`, async () => {
      const c = await loadCase(FIXTURES_LME4, name);
      const fit = await fitGenes(c.matrix, c.samples, c.formula, { backend: 'cpu', threads: 1 });
      const { design } = fit.context;
      const preparer = new GenePreparer(fit.context);
      const r = fit.results;
      const failures: string[] = [];
      for (const ref of genes) {
        const g = c.matrix.geneIds.indexOf(ref.gene);
        const prepared = preparer.prepare(c.matrix.values.subarray(g * c.matrix.nSamples, (g + 1) * c.matrix.nSamples)) as ReadyGene;
        assert.equal(prepared.status, 'ready', `${ref.gene} is fitted`);
        const { pattern, y } = prepared;
        const label = new Array<string>(pattern.q);
        pattern.groupOf.forEach((j, i) => {
          label[j] = design.randomTerms[0].levels[design.randomTerms[0].codes[pattern.rows[i]]];
        });
        const names = asArray(ref.fixef_names);
        const fixef = asArray(ref.fixef);
        const atLme4 = groupMeans(pattern, y, pattern.coefNames.map((n) => fixef[names.indexOf(n)]), ref.theta ** 2);
        const atOwn = groupMeans(pattern, y, Array.from(pattern.columns, (k) => r.beta[g * r.p + k]), r.sigma2G[g] / r.sigma2E[g]);
        const sd = Math.sqrt(y.reduce((s, v) => s + (v - y.reduce((a, b) => a + b, 0) / y.length) ** 2, 0) / (y.length - 1));
        assert.equal(label.length, ref.groups.length, `${ref.gene}: one entry per group present`);
        for (const group of ref.groups) {
          const j = label.indexOf(group.level);
          assert.ok(j >= 0, `${ref.gene}: group ${group.level} present`);
          const check = (what: string, expected: number, actual: number, tolerance: number): void => {
            if (!(Math.abs(actual - expected) <= tolerance)) {
              failures.push(`${name} ${ref.gene} ${group.level} ${what}: expected ${expected}, actual ${actual}`);
            }
          };
          assert.equal(pattern.groupSize[j], group.n);
          // R sums in extended precision: rounding of the group's level, |ȳ_j|, as well as of its spread.
          const rounding = 1e-12 * (sd + Math.abs(group.observed));
          check('observed', group.observed, atLme4.observed[j], rounding);
          check('ranef at lme4\'s estimates', group.ranef, atLme4.ranef[j], 1e-9 * sd + rounding);
          check('fitted at lme4\'s estimates', group.fitted, atLme4.fitted[j], 1e-9 * sd + rounding);
          // At genelmm's own optimum: as close as the estimates are (SPEC §6), lme4's early stops aside.
          check('ranef at genelmm\'s estimates', group.ranef, atOwn.ranef[j], 2e-4 * sd);
          check('fitted at genelmm\'s estimates', group.fitted, atOwn.fitted[j], 2e-4 * sd);
        }
      }
      assert.deepEqual(failures, []);
    });
  }
});
