import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FitResult, fitGenes } from '../../src/fit-genes.js';
import { STATUSES } from '../../src/results/statuses.js';
import { FIXTURES_LME4, loadCase } from '../helpers/cases.js';
import { assertGpuMatchesCpu, assertRanOnGpu, itOn, testBackend } from '../conformance/backends.js';

const REL = 1e-10;

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= REL * Math.abs(expected), `${what}: ${actual}, expected ${expected}`);
}

/** The covariates case (numeric, factor and interaction terms), every value multiplied by `factor`. */
async function fitScaled(factor: number, backend: 'cpu' | 'webgpu' | 'gpujs' = 'cpu', bootstrap?: number): Promise<FitResult> {
  const c = await loadCase(FIXTURES_LME4, 'covariates');
  const values = c.matrix.values.map((v) => v * factor);
  return fitGenes({ ...c.matrix, values }, c.samples, c.formula, { backend, threads: 1, bootstrap });
}

describe('a fit does not depend on the scale of y', async () => {
  const reference = await fitScaled(1);
  for (const factor of [1e100, 1e-100, 1e200, 1e-200]) {
    it(`y × ${factor}: the same statuses, h2, t, df and p-values; β and SEs × ${factor}; σ²s × its square where f64 holds it`, async () => {
      const fit = await fitScaled(factor);
      const r = fit.results;
      const ref = reference.results;
      const p = fit.coefNames.length;
      for (let g = 0; g < r.nGenes; g++) {
        assert.equal(STATUSES[r.status[g]], STATUSES[ref.status[g]], `gene ${g}: ${r.messages[g]}`);
        assert.equal(r.messages[g], ref.messages[g]);
        close(r.h2[g], ref.h2[g], `h2 of gene ${g}`);
        close(r.pLrt[g], ref.pLrt[g], `p_lrt of gene ${g}`);
        if (Math.abs(Math.log10(factor)) < 150) {
          close(r.sigma2G[g] / factor ** 2, ref.sigma2G[g], `sigma2_group of gene ${g}`);
          close(r.sigma2E[g] / factor ** 2, ref.sigma2E[g], `sigma2_resid of gene ${g}`);
        } else if (STATUSES[r.status[g]] === 'singular') {
          assert.equal(r.sigma2G[g], 0, `a boundary fit's sigma2_group is 0 whatever the scale (gene ${g})`);
        }
        for (let k = g * p; k < (g + 1) * p; k++) {
          close(r.t[k], ref.t[k], `t ${k}`);
          close(r.df[k], ref.df[k], `df ${k}`);
          close(r.pValue[k], ref.pValue[k], `p ${k}`);
          close(r.beta[k] / factor, ref.beta[k], `beta ${k}`);
          close(r.se[k] / factor, ref.se[k], `se ${k}`);
        }
      }
    });
  }
});

describe('the parametric bootstrap does not depend on the scale of y', async () => {
  const B = 20;
  const reference = await fitScaled(1, 'cpu', B);
  for (const factor of [1e200, 1e-200]) {
    it(`y × ${factor}: the same h2 intervals, drawn at the fit's variance ratio though σ²s leave f64's range`, async () => {
      const r = (await fitScaled(factor, 'cpu', B)).results;
      const ref = reference.results;
      for (let g = 0; g < r.nGenes; g++) {
        if (Number.isNaN(ref.h2BootLo[g])) continue;
        assert.ok(Math.abs(r.h2BootLo[g] - ref.h2BootLo[g]) <= 1e-8, `h2_boot_lo of gene ${g}: ${r.h2BootLo[g]}, expected ${ref.h2BootLo[g]}`);
        assert.ok(Math.abs(r.h2BootHi[g] - ref.h2BootHi[g]) <= 1e-8, `h2_boot_hi of gene ${g}: ${r.h2BootHi[g]}, expected ${ref.h2BootHi[g]}`);
      }
    });
  }
});

describe('the GPU backends fit data of any magnitude on the GPU, as the CPU does', async () => {
  const reference = await fitScaled(1);
  for (const backend of [await testBackend('webgpu'), await testBackend('gpujs')]) {
    for (const factor of [1e100, 1e-100]) {
      itOn(backend, `${backend.name}: y × ${factor} unscaled, agrees with the cpu fit of y within SPEC §6, and no gene is refitted`, async () => {
        const gpu = await fitScaled(factor, backend.name as 'webgpu' | 'gpujs');
        const report = assertRanOnGpu(gpu, backend.name as 'webgpu' | 'gpujs');
        assert.equal(report.refinedGenes, 0, 'the host finish accepts every GPU result');
        // Back on y's scale, the GPU's fit of y × factor is judged against the cpu fit of y itself.
        const r = gpu.results;
        const results = { ...r, sigma2G: r.sigma2G.map((v) => v / factor ** 2), sigma2E: r.sigma2E.map((v) => v / factor ** 2),
          beta: r.beta.map((v) => v / factor), se: r.se.map((v) => v / factor), mean: r.mean.map((v) => v / factor) };
        assertGpuMatchesCpu(`covariates × ${factor}`, reference, { ...gpu, results });
      });
    }
  }
});
