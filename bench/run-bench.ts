/**
 * `npm run bench`: the 40,000 × 500 benchmark of issue #2. Generates the seeded matrix (once), times the CLI
 * end to end with its phase timings and peak RSS, times lme4/lmerTest on 200 of the same genes when Rscript
 * has them, writes bench/results/<date>-<backend>.json and refreshes the table in bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_SPEC, headGenes, writeSynthetic } from './synthetic.js';
import { refreshTable } from './table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH = path.join(ROOT, 'bench');
const FORMULA = '~ treatment + age + (1 | individual)';
const LMER_GENES = 200;
const backend = process.argv[2] ?? 'cpu';

function hasLme4(): boolean {
  const r = spawnSync('Rscript', ['-e', 'library(lme4); library(lmerTest); library(jsonlite)'], { encoding: 'utf8' });
  return r.status === 0;
}

console.log('generating the seeded 40,000 × 500 matrix (once) ...');
const t0 = performance.now();
const data = writeSynthetic(path.join(BENCH, 'data'), BENCH_SPEC);
console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(fs.statSync(data.expr).size / 1e6).toFixed(0)} MB`);

const summaryFile = path.join(os.tmpdir(), `genelmm-bench-summary-${process.pid}.json`);
const outFile = path.join(os.tmpdir(), `genelmm-bench-out-${process.pid}.tsv`);
console.log(`genelmm fit --backend ${backend} ...`);
const started = performance.now();
const run = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/cli/main.js'), 'fit', '--expr', data.expr,
  '--samples', data.samples, '--formula', FORMULA, '--backend', backend, '--out', outFile, '--summary', summaryFile],
{ encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
const endToEndMs = performance.now() - started;
if (run.status !== 0) throw new Error(`genelmm fit failed with exit code ${run.status}`);
const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
fs.rmSync(summaryFile);
fs.rmSync(outFile);

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

const fittedGenes = summary.statuses.ok + summary.statuses.singular;
const msPerGene = summary.timings.fitMs / fittedGenes;
const result = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  backend: summary.backend,
  sizes: { genes: summary.genes, samples: summary.samples.used, groups: summary.samples.groups, formula: FORMULA },
  statuses: summary.statuses,
  phasesMs: { ...summary.timings, endToEnd: Math.round(endToEndMs) },
  peakRssMB: summary.peakRssMB,
  lme4,
  speedup: lme4 ? { perGeneFit: (lme4.ms_per_gene as number) / msPerGene, perGeneEndToEnd: (lme4.ms_per_gene as number) / (endToEndMs / summary.genes) } : null,
};
const name = `${result.date.slice(0, 10)}-${backend}.json`;
fs.writeFileSync(path.join(BENCH, 'results', name), `${JSON.stringify(result, null, 2)}\n`);
refreshTable(BENCH);
console.log(JSON.stringify({ phasesMs: result.phasesMs, peakRssMB: result.peakRssMB, speedup: result.speedup }, null, 2));
console.log(`wrote bench/results/${name} and refreshed bench/README.md`);
