import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { computeGeneStats } from '../../src/model/gene-stats.js';
import { GenePreparer } from '../../src/model/prepare.js';
import { remlCriterion } from '../../src/model/reml.js';
import { CLASSICS_LME4, FIXTURES_LME4, loadCase } from '../helpers/cases.js';
import { denseCriterion } from '../helpers/dense-reml.js';

const LAMBDAS = [0, 0.1, 0.5, 0.713, 1, 3.7, 100];
const CASES: [string, string, string[]][] = [
  [CLASSICS_LME4, 'Orthodont', []],
  [CLASSICS_LME4, 'ergoStool', []],
  [FIXTURES_LME4, 'unbalanced', ['gene01', 'gene05']],
  [FIXTURES_LME4, 'missing', ['gene2', 'gene5', 'gene7']],
  [FIXTURES_LME4, 'covariates', ['gene03']],
  [FIXTURES_LME4, 'nointercept', ['gene1']],
  [FIXTURES_LME4, 'size1', ['gene2']],
];

describe('REML criterion at fixed λ equals the dense SPEC §3 formula', () => {
  for (const [dir, name, genes] of CASES) {
    it(`${name} at λ ∈ {${LAMBDAS.join(', ')}}`, async () => {
      const c = await loadCase(dir, name);
      const formula = parseFormula(c.formula);
      const design = buildDesign(formula, c.samples, c.matrix.sampleIds);
      const preparer = new GenePreparer({ design, transform: 'none', librarySizes: null, filters: {} });
      const ids = genes.length > 0 ? genes : [c.matrix.geneIds[0]];
      for (const id of ids) {
        const g = c.matrix.geneIds.indexOf(id);
        assert.ok(g >= 0, `${id} is in ${name}`);
        const raw = c.matrix.values.subarray(g * c.matrix.nSamples, (g + 1) * c.matrix.nSamples);
        const prepared = preparer.prepare(raw);
        assert.equal(prepared.status, 'ready');
        if (prepared.status !== 'ready') continue;
        const { pattern, y } = prepared;
        const stats = computeGeneStats(pattern, y);
        const x = Array.from(pattern.rows, (row) => Array.from(pattern.columns, (col) => design.x[row * design.p + col]));
        const group = Array.from(pattern.rows, (row) => design.randomTerms[0].codes[row]);
        for (const lambda of LAMBDAS) {
          const expected = denseCriterion(x, (i, j) => (group[i] === group[j] ? 1 : 0), Array.from(y), lambda);
          const actual = remlCriterion(stats, lambda);
          assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.abs(expected),
            `${name} ${id} λ=${lambda}: expected ${expected}, actual ${actual}`);
        }
      }
    });
  }
});
