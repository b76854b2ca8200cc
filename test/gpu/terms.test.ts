/**
 * Several random terms on the WebGPU backend (src/gpu/terms-programs.ts, shaders/terms-search.wgsl): the criterion
 * of the blocked factorisation on the device against the f64 CPU's at every θ the device reports (its start, its θ̂
 * and each drop-one refit's), not only at the optimum; every multi-term conformance case (test/fixtures/multi) by
 * REML and ML, and a one-term ML fit, against the cpu backend to SPEC §6's GPU rows, every per-term column and
 * variance fraction included, with at most 1% of genes refitted; edge cases in one batch and across batch
 * boundaries; the device lost part-way (no gene lost); gpu.js and designs past the programs' bounds go to the CPU with
 * a notice. Skipped, with the reason, where no adapter answers; failed in CI.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { acquireGpu } from '../../src/gpu/device.js';
import { MISSING_F32 } from '../../src/gpu/fit-declarations.js';
import { criterionScale, encodeTermsPrograms, TERMS_AT_START, TERMS_CRITERION_ULPS, TERMS_FIT, TERMS_FIT_STRIDE, TERMS_MAX_M, TERMS_OUT_STRIDE, termsReadbackBytes, uploadTermsConstants } from '../../src/gpu/terms-programs.js';
import { uploadBuffer } from '../../src/gpu/program.js';
import { type FitOptions, type FitResult, fitGenes } from '../../src/fit-genes.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import type { ExpressionMatrix } from '../../src/io/types.js';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { type Method, objective, termsGene } from '../../src/model/terms/criterion.js';
import { buildTermsPattern } from '../../src/model/terms/terms-pattern.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { runCli } from '../helpers/cli.js';
import type { Input } from '../helpers/inputs.js';
import { assertGpuMatchesCpu, assertRanOnGpu, itOn, refinedFraction, webgpuBackend } from '../conformance/backends.js';

const webgpu = await webgpuBackend();

const DIR = path.join(REPO_ROOT, 'test/fixtures/multi');

/** A conformance case: its name, formula and methods (test/fixtures/multi/<name>.<method>.json). */
const CASES = fs.readdirSync(DIR).filter((f) => /\.(reml|ml)\.json$/.test(f)).sort().map((file) => {
  const [name, method] = file.split('.');
  return { name, method: method as Method, formula: JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')).formula as string };
});

async function loadInput(name: string, formula: string): Promise<Input> {
  return { matrix: await readMatrix(path.join(DIR, `${name}.expr.tsv`)), samples: await readSampleSheet(path.join(DIR, `${name}.samples.tsv`)), formula };
}

function fitOn(input: Input, options: FitOptions): Promise<FitResult> {
  return fitGenes(input.matrix, input.samples, input.formula, { threads: 1, onNotice: () => undefined, ...options });
}

/** The genes of `matrix` given by `rows` (of its values), renamed. */
function pickGenes(matrix: ExpressionMatrix, rows: Float64Array[], names: string[]): ExpressionMatrix {
  const values = new Float64Array(rows.length * matrix.nSamples);
  rows.forEach((row, g) => values.set(row, g * matrix.nSamples));
  return { file: 'edge cases', geneIds: names, sampleIds: matrix.sampleIds, nGenes: rows.length, nSamples: matrix.nSamples, values };
}

describe('several random terms on WebGPU', () => {
  itOn(webgpu, 'the device\'s criterion at its start, its θ̂ and every refit\'s θ is the f64 criterion there (differences from the start, every gene of every case, and of crossed3 with m = 24)', async () => {
    const cases = [...CASES.filter((c) => c.method === 'reml'), { name: 'crossed3', formula: '~ age + sex + (1 | individual) + (1 | individual:tissue)' }];
    for (const { name, formula } of cases) {
      const input = await loadInput(name, formula);
      for (const method of ['reml', 'ml'] as const) {
        const design = buildDesign(parseFormula(formula), input.samples, input.matrix.sampleIds);
        const gpu = await acquireGpu();
        assert.ok(!('unavailable' in gpu), 'an adapter');
        const { device } = gpu;
        const { nGenes, nSamples, values } = input.matrix;
        const n = design.nObs;
        // Centred and scaled: the criterion moves by a constant, which the differences below take out.
        const y = new Float32Array(n * nGenes).fill(MISSING_F32);
        for (let g = 0; g < nGenes; g++) {
          const observed = Array.from({ length: n }, (_, i) => values[g * nSamples + design.sampleIndex[i]]).filter(Number.isFinite);
          const mean = observed.reduce((s, v) => s + v, 0) / observed.length;
          const sd = Math.sqrt(observed.reduce((s, v) => s + (v - mean) ** 2, 0) / observed.length) || 1;
          for (let i = 0; i < n; i++) {
            const v = values[g * nSamples + design.sampleIndex[i]];
            if (Number.isFinite(v)) y[i * nGenes + g] = (v - mean) / sd;
          }
        }
        const constants = uploadTermsConstants(device, design, method);
        const staging = device.createBuffer({ size: termsReadbackBytes(nGenes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        const encoder = device.createCommandEncoder();
        const made = encodeTermsPrograms(device, encoder, nGenes, uploadBuffer(device, y), constants, staging, 0, 65535);
        device.queue.submit([encoder.finish()]);
        await staging.mapAsync(GPUMapMode.READ);
        const out = new Float32Array(staging.getMappedRange().slice(0));
        made.forEach((b) => b.destroy());
        device.destroy();
        const K = design.randomTerms.length;
        let checked = 0;
        let largest = 0;
        for (let g = 0; g < nGenes; g++) {
          const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => Number.isFinite(values[g * nSamples + design.sampleIndex[i]]));
          const yg = Float64Array.from(rows, (i) => values[g * nSamples + design.sampleIndex[i]]);
          if (new Set(yg).size < 2) continue;
          const gene = termsGene(buildTermsPattern(design, rows), yg, method);
          const o = g * TERMS_OUT_STRIDE;
          const cpuStart = objective(gene, new Float64Array(K).fill(1));
          const gpuStart = out[o + TERMS_AT_START];
          for (let slot = 0; slot <= K; slot++) {
            const at = o + slot * TERMS_FIT_STRIDE;
            const theta = Float64Array.from(out.subarray(at, at + K));
            const cpu = objective(gene, theta) - cpuStart;
            const device32 = out[at + TERMS_FIT.criterion] - gpuStart;
            // f32's rounding of the criterion's large parts (sums over n observations that cancel), which Ω's entries
            // (θ_k² times the statistics) scale up where θ is large.
            const tolerance = TERMS_CRITERION_ULPS * 2 ** -23 * criterionScale(n, cpuStart) * Math.max(1, ...Array.from(theta, (t) => t * t));
            largest = Math.max(largest, Math.abs(device32 - cpu) / tolerance);
            assert.ok(Math.abs(device32 - cpu) <= tolerance,
              `${name} ${method} gene ${g + 1}, fit ${slot} at θ = ${Array.from(theta).join(', ')}: device ${device32}, f64 ${cpu} (from the start)`);
            checked++;
          }
        }
        assert.ok(checked > nGenes || name === 'singleton', `${name} ${method}: ${checked} criteria compared`);
        console.log(`# ${name} ${method}: ${checked} criteria, largest difference ${largest.toFixed(3)} of the tolerance`);
      }
    }
  });

  const refined = { genes: 0, of: 0 };
  for (const { name, method, formula } of CASES) {
    itOn(webgpu, `${name} by ${method} (${formula}): every gene within SPEC §6 of the cpu backend`, async () => {
      const input = await loadInput(name, formula);
      const cpu = await fitOn(input, { backend: 'cpu', method });
      const gpu = await fitOn(input, { backend: 'webgpu', method });
      const report = assertRanOnGpu(gpu);
      const comparison = assertGpuMatchesCpu(`${name} ${method}`, cpu, gpu);
      if (report.gpuGenes > 0) {
        if (cpu.results.nTerms > 0) assert.ok(comparison.columns.some((c) => c.column.startsWith('sigma2_') && c.failures === 0), 'per-term columns judged');
        assert.ok(comparison.columns.some((c) => c.column.startsWith('vp_') && c.failures === 0), 'variance fractions judged');
      }
      refined.genes += report.refinedGenes;
      refined.of += report.gpuGenes;
      console.log(`# ${name} ${method}: ${refinedFraction(report)}, ${report.cpuGenes} on the CPU`);
    });
  }
  itOn(webgpu, 'one random term by ML (lme4 fixture sim300) on the several-terms programs', async () => {
    const input = { matrix: await readMatrix(path.join(REPO_ROOT, 'test/fixtures/lme4/sim300.expr.tsv')),
      samples: await readSampleSheet(path.join(REPO_ROOT, 'test/fixtures/lme4/sim300.samples.tsv')), formula: '~ treatment + (1 | individual)' };
    const cpu = await fitOn(input, { backend: 'cpu', method: 'ml' });
    const gpu = await fitOn(input, { backend: 'webgpu', method: 'ml' });
    const report = assertRanOnGpu(gpu);
    assert.ok(report.gpuGenes > 250, `${report.gpuGenes} genes on the device`);
    assertGpuMatchesCpu('sim300 ml', cpu, gpu);
    refined.genes += report.refinedGenes;
    refined.of += report.gpuGenes;
  });
  itOn(webgpu, 'a design wider than the one-intercept programs (m = 24 > 16: individual:tissue eliminated, individual\'s 20 levels and X dense)', async () => {
    const input = await loadInput('crossed3', '~ age + sex + (1 | individual) + (1 | individual:tissue)');
    const cpu = await fitOn(input, { backend: 'cpu' });
    const gpu = await fitOn(input, { backend: 'webgpu' });
    const report = assertRanOnGpu(gpu);
    assert.ok(report.gpuGenes > 30, `${report.gpuGenes} genes on the device`);
    assertGpuMatchesCpu('crossed3, individual and individual:tissue', cpu, gpu);
    refined.genes += report.refinedGenes;
    refined.of += report.gpuGenes;
  });
  itOn(webgpu, 'refits at most 1% of the device\'s genes over the cases', () => {
    assert.ok(refined.of > 500, `${refined.of} genes on the device`);
    assert.ok(refined.genes <= 0.01 * refined.of, `${refined.genes} of ${refined.of} refitted`);
  });

  itOn(webgpu, 'edge cases in one batch and across batch boundaries: a level without data, singular terms, constant and nearly insufficient genes, a dominant fixed part', async () => {
    const input = await loadInput('crossed3', '~ age + sex + (1 | individual) + (1 | tissue) + (1 | batch)');
    const { matrix, samples } = input;
    const n = matrix.nSamples;
    const row = (g: number): Float64Array => Float64Array.from(matrix.values.subarray(g * n, (g + 1) * n));
    const tissue = samples.columns.get('tissue')!;
    const age = samples.columns.get('age')!.map(Number);
    const at = (id: string): number => samples.ids.indexOf(id);
    let seed = 7;
    const noise = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647 - 0.5;
    };
    const noLiver = row(0).map((v, i) => (tissue[at(matrix.sampleIds[i])] === 'liver' ? NaN : v));
    const pureNoise = Float64Array.from({ length: n }, noise);
    const constant = new Float64Array(n).fill(5);
    const dominant = Float64Array.from({ length: n }, (_, i) => 1e6 + 100 * age[at(matrix.sampleIds[i])] + noise());
    const fewLeft = row(1).map((v, i) => (i < n - 8 ? NaN : v));
    const exact = Float64Array.from({ length: n }, (_, i) => 10 + 0.5 * age[at(matrix.sampleIds[i])]);
    const edge: Input = { ...input, matrix: pickGenes(matrix, [row(0), noLiver, pureNoise, constant, dominant, fewLeft, row(2), row(3), exact],
      ['ordinary', 'no_liver', 'noise', 'constant', 'dominant', 'few_left', 'ordinary2', 'ordinary3', 'exact']) };
    const cpu = await fitOn(edge, { backend: 'cpu' });
    const statuses = Object.fromEntries(cpu.geneIds.map((id, g) => [id, cpu.results.status[g]]));
    assert.notEqual(statuses.noise, statuses.ordinary, 'the pure-noise gene is singular where the ordinary one is not');
    for (const maxBatchGenes of [undefined, 3]) {
      const gpu = await fitOn(edge, { backend: 'webgpu', gpu: { maxBatchGenes } });
      const report = assertRanOnGpu(gpu);
      assertGpuMatchesCpu(`edge cases, batches of ${maxBatchGenes ?? 'all'}`, cpu, gpu);
      assert.equal(report.batches, maxBatchGenes === undefined ? 1 : 3);
    }
    const one = { ...edge, matrix: pickGenes(matrix, [noLiver], ['no_liver']) };
    assertGpuMatchesCpu('one gene', await fitOn(one, { backend: 'cpu' }), await fitOn(one, { backend: 'webgpu' }));
    // X fits `exact` exactly: what it leaves is f64's rounding, so it goes to the CPU as it is prepared, not to the
    // device (whose fit of that rounding, scaled up, would be refitted).
    const exactOnly = { ...edge, matrix: pickGenes(matrix, [exact], ['exact']) };
    const exactReport = assertRanOnGpu(await fitOn(exactOnly, { backend: 'webgpu' }));
    assert.deepEqual([exactReport.gpuGenes, exactReport.refinedGenes, exactReport.cpuGenes], [0, 0, 1], 'device, refined, CPU genes');
  });

  itOn(webgpu, 'loses the device after the first batch: no gene lost, the rest on the CPU, and the summary says why', async () => {
    const input = await loadInput('bottomly', '~ strain + (1 | experiment.number) + (1 | lane.number)');
    const cpu = await fitOn(input, { backend: 'cpu' });
    const gpu = await fitOn(input, { backend: 'webgpu', threads: 2, gpu: { maxBatchGenes: 40, loseDeviceAfterBatches: 1 } });
    const report = assertRanOnGpu(gpu);
    assert.ok(report.failure !== null, 'the failure is reported');
    assert.ok(report.cpuGenes >= 150, `${report.cpuGenes} genes on the CPU after the loss`);
    assertGpuMatchesCpu('device lost', cpu, gpu);
  });

  itOn(webgpu, 'genelmm compare on a several-terms ML model: exit 0, each term\'s columns and the fractions judged', () => {
    const run = runCli(['compare', '--expr', path.join(DIR, 'bottomly.expr.tsv'), '--samples', path.join(DIR, 'bottomly.samples.tsv'),
      '--formula', '~ strain + (1 | experiment.number) + (1 | lane.number)', '--method', 'ml', '--threads', '1']);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    for (const column of ['sigma2_lane.number', 'p_lrt_experiment.number', 'vp_strainDBA/2J', 'vp_resid']) {
      assert.match(run.stdout, new RegExp(`^${column.replace(/[.()/]/g, '\\$&')} .* ok$`, 'm'), column);
    }
    assert.match(run.stdout, /200 genes on the GPU, 0 refined in f64 on the CPU/);
    assert.match(run.stdout, /agreement: within SPEC §6/);
  });

  it('gpu.js has no programs for several terms: a notice, and the CPU fits', async () => {
    const input = await loadInput('nested', '~ dex + (1 | donor/visit)');
    const notices: string[] = [];
    const fit = await fitGenes(input.matrix, input.samples, input.formula, { backend: 'gpujs', threads: 1, onNotice: (m) => notices.push(m) });
    assert.equal(fit.backend.name, 'cpu');
    assert.ok(notices.some((m) => /--backend gpujs: the gpu\.js programs fit one random intercept by REML.*fitting on the CPU instead/.test(m)), notices.join('\n'));
  });

  it(`a design past the programs' ${TERMS_MAX_M - 1} columns of levels and X: a notice, and the CPU fits`, async () => {
    // Largest term first: individual:tissue (60 levels) is eliminated in closed form, and the others' 20 + 6 + 3 levels
    // and X's 3 columns are one past the bound.
    const input = await loadInput('crossed3', '~ age + sex + (1 | individual:tissue) + (1 | individual) + (1 | batch) + (1 | tissue)');
    const notices: string[] = [];
    const fit = await fitGenes(input.matrix, input.samples, input.formula, { backend: 'webgpu', threads: 1, onNotice: (m) => notices.push(m) });
    assert.equal(fit.backend.name, 'cpu');
    assert.ok(notices.some((m) => new RegExp(`--backend webgpu: the GPU programs hold at most ${TERMS_MAX_M - 1} columns`).test(m)), notices.join('\n'));
  });
});
