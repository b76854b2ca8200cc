/**
 * The gpu.js kernels themselves, on the device (gpu.js's webgpu mode on Dawn in Node; webgl2 runs in
 * browser.test.ts), against the f64 reference, without the host's finish that would hide an f32 error:
 * - reml-grid at fixed λ: criterion and score equal the spectral form (src/model/spectral.ts) to f32 precision on
 *   every fitted gene of the lme4 fixtures and the lme4 classics (STYLE habit 4);
 * - reml-search: the interval ends equal h2ProfileInterval's, and λ̂ polished in f64 equals searchLambda's.
 * Skipped, with the reason, where gpu.js has no device; failed in CI.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { polishLambda } from '../../src/gpu/host-finish.js';
import { acquireGpuJs, type GpuJsContext } from '../../src/gpujs/device.js';
import { compileProgram } from '../../src/gpujs/program.js';
import { remlGridProgram } from '../../src/gpujs/reml-grid.js';
import { remlSearchProgram, SEARCH_METHOD, SEARCH_ROW } from '../../src/gpujs/reml-search.js';
import { CLASS_STRIDE, GENE_FIELD, GENE_STRIDE, GRID_POINTS, packSpectral, type SpectralUpload } from '../../src/gpujs/upload.js';
import { searchLambda } from '../../src/model/lambda-search.js';
import { spectralCriterionVarying, spectralGene, spectralScore, type SpectralGene } from '../../src/model/spectral.js';
import { momentLambda } from '../../src/model/starting-values.js';
import { h2ProfileInterval } from '../../src/model/inference/h2-uncertainty.js';
import type { GeneStats } from '../../src/model/gene-stats.js';
import { caseGeneStats, caseNames, CLASSICS_LME4, FIXTURES_LME4, loadCase } from '../helpers/cases.js';
import { itOn, testBackend } from '../conformance/backends.js';

const gpujs = await testBackend('gpujs');

const LAMBDAS = [0, 0.1, 1, 10, 1e3];
/** f32 accumulates a few roundings per eigenvalue class: relative to the sum of the terms' sizes. */
const F32_REL = 1e-5;

/** Every fitted gene of every fixture case, with its spectral form and moment start. */
async function allGenes(): Promise<{ id: string; stats: GeneStats; spectral: SpectralGene; lambdaStart: number }[]> {
  const cases: [string, string][] = [
    ...caseNames(CLASSICS_LME4).map((n): [string, string] => [CLASSICS_LME4, n]),
    ...caseNames(FIXTURES_LME4).map((n): [string, string] => [FIXTURES_LME4, n]),
  ];
  const out = [];
  for (const [dir, name] of cases) {
    for (const { id, stats } of caseGeneStats(await loadCase(dir, name))) {
      out.push({ id: `${name} ${id}`, stats, spectral: spectralGene(stats), lambdaStart: momentLambda(stats) });
    }
  }
  return out;
}

async function context(): Promise<GpuJsContext> {
  const c = await acquireGpuJs();
  assert.ok(!('unavailable' in c), `gpu.js has a device: ${'unavailable' in c ? c.unavailable : ''}`);
  return c;
}

const inputs = (c: GpuJsContext, u: SpectralUpload): [unknown, unknown] =>
  [c.input(u.classes, [CLASS_STRIDE, u.nClasses, u.nGenes]), c.input(u.genes, [GENE_STRIDE, u.nGenes])];

/** A pipeline output (Texture or WebGPUBufferResult) as arrays, [z][y][x]. */
async function read(handle: unknown): Promise<Float32Array[][]> {
  return await (handle as { toArray(): Promise<Float32Array[][]> | Float32Array[][] }).toArray();
}

describe(`gpu.js kernels against the f64 reference (${gpujs.reason})`, () => {
  itOn(gpujs, `reml-grid at λ ∈ {${LAMBDAS.join(', ')}} and at the moment start: the spectral criterion and score`, async () => {
    const c = await context();
    try {
      const genes = await allGenes();
      const upload = packSpectral(genes);
      const points = Float32Array.from(LAMBDAS, (l) => l / (1 + l));
      const grid = compileProgram(c.gpu, remlGridProgram).setOutput(remlGridProgram.output(upload.nGenes, points.length + 1));
      const out = await read(await grid(...inputs(c, upload), points, upload.nClasses, points.length));
      const failures: string[] = [];
      let worst = { criterion: 0, score: 0 };
      genes.forEach(({ id, spectral }, g) => {
        const { xi, multiplicity, pattern } = spectral.basis;
        const dof = pattern.n - pattern.p;
        const hStart = upload.genes[g * GENE_STRIDE + GENE_FIELD.hStart];
        for (let i = 0; i <= points.length; i++) {
          const h = i < points.length ? points[i] : hStart;
          if (!(h >= 0)) continue; // no moment start
          const lambda = h / (1 - h); // the λ the f32 h stands for, in f64
          let logScale = 0;
          let scoreScale = 0;
          for (let j = 0; j < xi.length; j++) {
            logScale += multiplicity[j] * Math.log1p(lambda * xi[j]);
            scoreScale += (multiplicity[j] * xi[j]) / (1 + lambda * xi[j]);
          }
          // The kernel's e are divided by r_0: its criterion is the varying part less (n − p) log r_0.
          const criterion = spectralCriterionVarying(spectral, lambda) - dof * Math.log(upload.scale[g]);
          const score = spectralScore(spectral, lambda);
          // The criterion's scale: its log-determinant term, and n − p for (n − p) log r, whose error is (n − p) times
          // r's relative error.
          const critScale = logScale + dof;
          const dc = Math.abs(out[0][i][g] - criterion) / critScale;
          const ds = Math.abs(out[1][i][g] - score) / scoreScale;
          worst = { criterion: Math.max(worst.criterion, dc), score: Math.max(worst.score, ds) };
          if (!(dc <= F32_REL)) failures.push(`${id} criterion at λ=${lambda}: expected ${criterion}, actual ${out[0][i][g]}`);
          if (!(ds <= F32_REL)) failures.push(`${id} score at λ=${lambda}: expected ${score}, actual ${out[1][i][g]} (scale ${scoreScale})`);
        }
      });
      console.log(`${genes.length} genes × ${points.length + 1} points: largest relative error criterion ` +
        `${worst.criterion.toExponential(2)}, score ${worst.score.toExponential(2)}`);
      assert.deepEqual(failures, [], failures.slice(0, 20).join('\n'));
    } finally {
      await c.gpu.destroy();
    }
  });

  itOn(gpujs, 'reml-search: the interval ends are h2ProfileInterval\'s, and λ̂ polished in f64 is searchLambda\'s', async () => {
    const c = await context();
    try {
      const genes = await allGenes();
      const upload = packSpectral(genes);
      const nShared = GRID_POINTS.length;
      const grid = compileProgram(c.gpu, remlGridProgram).setOutput(remlGridProgram.output(upload.nGenes, nShared + 1));
      const search = compileProgram(c.gpu, remlSearchProgram).setOutput(remlSearchProgram.output(upload.nGenes, nShared + 1));
      const [classes, packed] = inputs(c, upload);
      const gridOut = await grid(classes, packed, GRID_POINTS, upload.nClasses, nShared);
      const out = (await search(classes, packed, GRID_POINTS, gridOut, upload.nClasses, nShared)) as Float32Array[][];
      const failures: string[] = [];
      let worst = { lambda: 0, interval: 0 };
      let unconverged = 0;
      genes.forEach(({ id, stats }, g) => {
        const row = out[0][g];
        const cpu = searchLambda(stats);
        const converged = row[SEARCH_ROW.converged] === 1 && row[SEARCH_ROW.method] !== SEARCH_METHOD.none;
        if (!converged) {
          unconverged++;
          return; // the host refits these on the CPU
        }
        const polished = polishLambda(stats, row[SEARCH_ROW.lambda], true);
        const h = (l: number): number => l / (1 + l);
        if (typeof polished === 'number') {
          worst.lambda = Math.max(worst.lambda, Math.abs(h(polished) - h(cpu.lambda)));
          if (!(Math.abs(h(polished) - h(cpu.lambda)) <= 1e-8)) failures.push(`${id} λ̂: expected ${cpu.lambda}, actual ${polished}`);
        } else {
          unconverged++; // the host refuses it and refits it on the CPU
        }
        const interval = h2ProfileInterval(stats, cpu.lambda);
        for (const [end, expected, actual] of [['lo', interval.lo, out[1][g][0]], ['hi', interval.hi, out[2][g][0]]] as const) {
          worst.interval = Math.max(worst.interval, Math.abs(actual - expected));
          if (!(Math.abs(actual - expected) <= 1e-5)) failures.push(`${id} h2_${end}: expected ${expected}, actual ${actual}`);
        }
      });
      console.log(`${genes.length} genes, ${unconverged} left to the CPU; largest |Δh| of polished λ̂ ${worst.lambda.toExponential(2)}, ` +
        `of the interval ends ${worst.interval.toExponential(2)}`);
      assert.deepEqual(failures, [], failures.slice(0, 20).join('\n'));
      assert.ok(unconverged <= 0.02 * genes.length, `at most 2% of genes left to the CPU, found ${unconverged}`);
    } finally {
      await c.gpu.destroy();
    }
  });
});
