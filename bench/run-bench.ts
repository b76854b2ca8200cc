/**
 * `npm run bench [-- backend ...]`: the 40,000 × 500 benchmark. Generates the seeded matrix (once), times the
 * CLI end to end on each backend (default: cpu and webgpu) with its phase timings, GPU report and peak RSS,
 * times lme4/lmerTest on 200 of the same genes when Rscript has them, writes
 * bench/results/<date>-<backend>.json and refreshes the table in bench/README.md. `-- varpart`: bench/varpart.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_SPEC, headGenes, writeSynthetic } from './synthetic.js';
import { refreshTable } from './table.js';
import { runVarPartBench } from './varpart.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH = path.join(ROOT, 'bench');
const FORMULA = '~ treatment + age + (1 | individual)';
const LMER_GENES = 200;
const backends = process.argv.length > 2 ? process.argv.slice(2) : ['cpu', 'webgpu'];
if (backends.includes('varpart')) {
  runVarPartBench(ROOT);
  process.exit(0);
}

function hasLme4(): boolean {
  const r = spawnSync('Rscript', ['-e', 'library(lme4); library(lmerTest); library(jsonlite)'], { encoding: 'utf8' });
  return r.status === 0;
}

console.log('generating the seeded 40,000 × 500 matrix (once) ...');
const t0 = performance.now();
const data = writeSynthetic(path.join(BENCH, 'data'), BENCH_SPEC);
console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(fs.statSync(data.expr).size / 1e6).toFixed(0)} MB`);

let lme4: Record<string, unknown> | null = null;
if (hasLme4()) {
  console.log(`lme4/lmerTest on the first ${LMER_GENES} genes ...`);
  const small = headGenes(data.expr, LMER_GENES, path.join(BENCH, 'data', `head${LMER_GENES}.tsv`));
  const out = path.join(os.tmpdir(), `genelmm-bench-lmer-${process.pid}.json`);
  const r = spawnSync('Rscript', [path.join(BENCH, 'lmer-timing.R'), small, data.samples, FORMULA, out], { stdio: 'inherit' });
  if (r.status === 0) {
    lme4 = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.rmSync(out);
  }
} else {
  console.log('Rscript with lme4, lmerTest and jsonlite not found: skipping the lme4 comparison');
}

/** Runs `genelmm fit` on one backend in a fresh process; returns its summary and end-to-end time. */
function runFit(backend: string): { summary: Record<string, any>; endToEndMs: number } {
  const summaryFile = path.join(os.tmpdir(), `genelmm-bench-summary-${process.pid}.json`);
  const outFile = path.join(os.tmpdir(), `genelmm-bench-out-${process.pid}.tsv`);
  console.log(`genelmm fit --backend ${backend} ...`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/cli/main.js'), 'fit', '--expr', data.expr,
    '--samples', data.samples, '--formula', FORMULA, '--backend', backend, '--out', outFile, '--summary', summaryFile],
  { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
  const endToEndMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`genelmm fit --backend ${backend} failed with exit code ${run.status}`);
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
  fs.rmSync(summaryFile);
  fs.rmSync(outFile);
  return { summary, endToEndMs };
}

for (const backend of backends) {
  const { summary, endToEndMs } = runFit(backend);
  const fittedGenes = summary.statuses.ok + summary.statuses.singular;
  const msPerGene = summary.timings.fitMs / fittedGenes;
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    backend: summary.backend,
    gpu: summary.gpu ?? null,
    sizes: { genes: summary.genes, samples: summary.samples.used, groups: summary.samples.groups, formula: FORMULA },
    statuses: summary.statuses,
    phasesMs: { ...summary.timings, endToEnd: Math.round(endToEndMs) },
    peakRssMB: summary.peakRssMB,
    lme4,
    speedup: lme4 ? { perGeneFit: (lme4.ms_per_gene as number) / msPerGene, perGeneEndToEnd: (lme4.ms_per_gene as number) / (endToEndMs / summary.genes) } : null,
  };
  const name = `${result.date.slice(0, 10)}-${summary.backend.name}.json`;
  fs.writeFileSync(path.join(BENCH, 'results', name), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify({ backend: summary.backend.name, phasesMs: result.phasesMs, gpu: result.gpu?.timings, refined: result.gpu?.refinedGenes, peakRssMB: result.peakRssMB, speedup: result.speedup }, null, 2));
  console.log(`wrote bench/results/${name}`);
}
refreshTable(BENCH);
console.log('refreshed bench/README.md');
