/**
 * Cost of the parametric bootstrap (`--bootstrap`, src/simulation/bootstrap.ts) on the benchmark design (n = 500 samples,
 * 250 individuals × 2, `~ treatment + age + (1 | individual)`), single-threaded f64 CPU: the first GENES genes of
 * bench/data/expr.tsv (made by `npm run bench`), B replicates each, through fitGenes as the CLI runs it, then one
 * gene's replicates split into their steps (draw y*, sufficient statistics, λ search, profile); then the same
 * genes and B on the WebGPU backend where an adapter exists (software rendering here: SwiftShader). Writes
 * bench/results/<date>-bootstrap.json and prints µs per replicate and fits per second on each.
 * Run: `npx tsc -p tsconfig.json && node dist/bench/bootstrap.js [genes] [B]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapModel, bootstrapWork, drawReplicate } from '../src/simulation/bootstrap.js';
import { fitGenes } from '../src/fit-genes.js';
import { readMatrix, readSampleSheet } from '../src/io/read-files.js';
import { computeGeneStats } from '../src/model/gene-stats.js';
import { searchLambda } from '../src/model/lambda-search.js';
import { GenePreparer } from '../src/model/prepare.js';
import { profileAt } from '../src/model/reml.js';
import { philoxKey } from '../src/stats/philox.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GENES = Number(process.argv[2] ?? 20);
const B = Number(process.argv[3] ?? 500);
const SEED = 1;
const FORMULA = '~ treatment + age + (1 | individual)';

const full = await readMatrix(path.join(ROOT, 'bench/data/expr.tsv'));
const samples = await readSampleSheet(path.join(ROOT, 'bench/data/samples.tsv'));
const matrix = { ...full, nGenes: GENES, geneIds: full.geneIds.slice(0, GENES), values: full.values.slice(0, GENES * full.nSamples) };

await fitGenes(matrix, samples, FORMULA, { backend: 'cpu', threads: 1, bootstrap: 20, seed: SEED }); // warm-up
const fit = await fitGenes(matrix, samples, FORMULA, { backend: 'cpu', threads: 1, bootstrap: B, seed: SEED });
const replicates = fit.bootstrap!.genes * B;
const usPerReplicate = (fit.timings.bootstrapMs * 1000) / replicates;

// One gene's replicates, step by step.
const g = Array.from(fit.results.status).findIndex((s) => s === 0);
const preparer = new GenePreparer(fit.context);
const prepared = preparer.prepare(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples));
if (prepared.status !== 'ready') throw new Error('gene not ready');
const beta = Array.from(prepared.pattern.columns, (c) => fit.results.beta[g * fit.results.p + c]);
const model = bootstrapModel(fit.context.design, prepared.pattern, g, beta, Math.sqrt(fit.results.sigma2G[g]), Math.sqrt(fit.results.sigma2E[g]));
const work = bootstrapWork(model);
const key = philoxKey(SEED);
const steps = { drawUs: 0, statsUs: 0, searchUs: 0, profileUs: 0 };
let evaluations = 0;
for (let b = 0; b < B; b++) {
  const t0 = performance.now();
  drawReplicate(model, key, b, work);
  const t1 = performance.now();
  const stats = computeGeneStats(model.pattern, work.y);
  const t2 = performance.now();
  const search = searchLambda(stats);
  const t3 = performance.now();
  profileAt(stats, search.lambda);
  const t4 = performance.now();
  steps.drawUs += (t1 - t0) * 1000 / B;
  steps.statsUs += (t2 - t1) * 1000 / B;
  steps.searchUs += (t3 - t2) * 1000 / B;
  steps.profileUs += (t4 - t3) * 1000 / B;
  evaluations += search.evaluations / B;
}

console.log(`${fit.bootstrap!.genes} genes × ${B} replicates, n = ${fit.context.design.nObs}: ${fit.timings.bootstrapMs.toFixed(0)} ms, ` +
  `${usPerReplicate.toFixed(1)} µs per replicate (${fit.bootstrap!.failedReplicates} failed)`);
console.log(`one gene, per replicate: draw ${steps.drawUs.toFixed(1)} µs, statistics ${steps.statsUs.toFixed(1)} µs, ` +
  `λ search ${steps.searchUs.toFixed(1)} µs (${evaluations.toFixed(1)} evaluations), profile ${steps.profileUs.toFixed(1)} µs`);
const per40k = (usPerReplicate * 40000 * 1000) / 1e6;
console.log(`40,000 genes at B = 1000 on one thread: about ${(per40k / 3600).toFixed(1)} h`);

// The same bootstrap on the WebGPU backend, where there is an adapter: its host work on one thread, then on every core
// (issue 17's measure: the host's time per replicate fit, preparation, uploads and the f64 finish).
const onWebGpu = async (threads: number) => {
  const gpuFit = await fitGenes(matrix, samples, FORMULA, { backend: 'webgpu', threads, bootstrap: B, seed: SEED });
  const t = gpuFit.bootstrap?.timings;
  if (gpuFit.backend.name !== 'webgpu' || t === undefined) return null;
  return {
    device: gpuFit.backend.device,
    threads,
    bootstrapMs: gpuFit.timings.bootstrapMs,
    fitsPerSecond: replicates / (gpuFit.timings.bootstrapMs / 1000),
    refinedReplicates: gpuFit.bootstrap!.refinedReplicates,
    timings: t,
    hostUsPerReplicate: ((t.prepareMs + t.uploadMs + t.finishMs) * 1000) / replicates,
  };
};
const webgpu = await onWebGpu(1);
const webgpuAllCores = webgpu && os.availableParallelism() > 1 ? await onWebGpu(os.availableParallelism()) : null;
for (const run of [webgpu, webgpuAllCores]) {
  if (run) console.log(`WebGPU, host on ${run.threads} thread(s): ${run.hostUsPerReplicate.toFixed(1)} µs of host time per replicate`);
}
console.log(`fits per second: CPU (one thread, f64) ${(replicates / (fit.timings.bootstrapMs / 1000)).toFixed(0)}` +
  (webgpu ? `, WebGPU on ${webgpu.device} ${webgpu.fitsPerSecond.toFixed(0)} (${webgpu.refinedReplicates} replicates refitted on the CPU)` : ', no WebGPU adapter'));

const date = new Date().toISOString();
const out = path.join(ROOT, 'bench/results', `${date.slice(0, 10)}-bootstrap.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({
  date,
  machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  backend: { name: 'cpu', device: 'single thread, f64' },
  formula: FORMULA,
  sizes: { genes: fit.bootstrap!.genes, samples: fit.context.design.nObs, groups: fit.context.design.randomTerms[0].levels.length, B },
  seed: SEED,
  bootstrapMs: fit.timings.bootstrapMs,
  usPerReplicate,
  oneGene: { gene: fit.geneIds[g], ...steps, searchEvaluations: evaluations },
  hoursFor40000GenesAtB1000: per40k / 3600,
  fitsPerSecond: { cpu: replicates / (fit.timings.bootstrapMs / 1000), webgpu, webgpuAllCores },
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
}, null, 2) + '\n');
console.log(`wrote ${path.relative(ROOT, out)}`);
