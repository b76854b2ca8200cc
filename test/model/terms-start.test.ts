/**
 * fitTermsGene from outside starts (TermsStart: the WebGPU path's θ̂, refits and probes): from the reference's own
 * optimum it reaches the reference with fewer evaluations; from a far start that claims its neighbourhood was probed,
 * it does not take the claim (the f64 optimum is not the start) and still reaches the reference's optimum, on every
 * gene of crossed3 (test/fixtures/multi). Without that check, 24 of its 39 genes ended with another likelihood or LRT.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { fitTermsGene, type TermsFit, type TermsStart } from '../../src/model/terms/fit-terms.js';
import { buildTermsPattern, type TermsPattern } from '../../src/model/terms/terms-pattern.js';
import { REPO_ROOT } from '../helpers/cases.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/multi');
const OPTIONS = { method: 'reml', varPart: true } as const;

/** crossed3's fitted genes: pattern, values and the fit from lme4's start. */
async function crossed3(): Promise<{ pattern: TermsPattern; y: Float64Array; reference: TermsFit }[]> {
  const matrix = await readMatrix(path.join(DIR, 'crossed3.expr.tsv'));
  const samples = await readSampleSheet(path.join(DIR, 'crossed3.samples.tsv'));
  const design = buildDesign(parseFormula('~ age + sex + (1 | individual) + (1 | tissue) + (1 | batch)'), samples, matrix.sampleIds);
  const genes = [];
  for (let g = 0; g < matrix.nGenes; g++) {
    const value = (i: number): number => matrix.values[g * matrix.nSamples + design.sampleIndex[i]];
    const rows = Int32Array.from({ length: design.nObs }, (_, i) => i).filter((i) => Number.isFinite(value(i)));
    const y = Float64Array.from(rows, value);
    if (new Set(y).size < 2) continue;
    const pattern = buildTermsPattern(design, rows);
    genes.push({ pattern, y, reference: fitTermsGene(pattern, y, OPTIONS) });
  }
  return genes;
}

/**
 * Where `fit` differs from `reference` past 1e-8 in the log-likelihood or 1e-6 in an LRT (relative to max(1, |x|)),
 * and, with `estimates`, in a σ²: the optimum's value, and where it is. (From θ = 20, gene 38 of crossed3 ends at
 * another point of a ridge, σ²_individual 0.18 against 0.074 at the same likelihood to 1e-8: its optimum is not a
 * point, so only its value is compared there.)
 */
function differences(fit: TermsFit, reference: TermsFit, estimates: boolean): string[] {
  const far = (a: number, b: number, tolerance: number): boolean => !(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b)));
  const lines = [];
  if (far(fit.logLik, reference.logLik, 1e-8)) lines.push(`logLik ${fit.logLik} against ${reference.logLik}`);
  reference.lrt.forEach((lrt, k) => {
    if (far(fit.lrt[k], lrt, 1e-6)) lines.push(`lrt[${k}] ${fit.lrt[k]} against ${lrt}`);
    if (estimates && far(fit.sigma2[k], reference.sigma2[k], 1e-6)) lines.push(`sigma2[${k}] ${fit.sigma2[k]} against ${reference.sigma2[k]}`);
  });
  return lines;
}

describe('fitTermsGene from outside starts', async () => {
  const genes = await crossed3();
  const K = 3;

  it('from the reference\'s own optimum, its probes claimed: the reference, in fewer evaluations', () => {
    assert.ok(genes.length > 30);
    let fewer = 0;
    genes.forEach(({ pattern, y, reference }, g) => {
      const start: TermsStart = { theta: reference.theta, reduced: Array.from({ length: K }, () => reference.theta), probed: new Array(K + 1).fill(true) };
      const fit = fitTermsGene(pattern, y, OPTIONS, undefined, start);
      assert.deepEqual(differences(fit, reference, true), [], `gene ${g + 1}`);
      if (fit.opt.evaluations < reference.opt.evaluations) fewer++;
    });
    assert.equal(fewer, genes.length, 'every gene in fewer evaluations');
  });

  it('from θ = 20 that claims its probes: the claim is not taken, and the fit is the reference', () => {
    const far = new Float64Array(K).fill(20);
    genes.forEach(({ pattern, y, reference }, g) => {
      const fit = fitTermsGene(pattern, y, OPTIONS, undefined, { theta: far, reduced: [far, far, far], probed: new Array(K + 1).fill(true) });
      assert.deepEqual(differences(fit, reference, false), [], `gene ${g + 1}`);
    });
  });
});
