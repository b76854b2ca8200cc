/**
 * `npm run bench [-- backend ...]`: the 40,000 × 500 benchmark. Generates the seeded matrix (once), times the
 * CLI end to end on each backend (default: cpu and webgpu) with its phase timings, GPU report and peak RSS,
 * times lme4/lmerTest on 200 of the same genes when Rscript has them, writes
 * bench/results/<date>-<backend>.json and refreshes the table in bench/README.md. `-- varpart [backend ...]`: bench/varpart.ts;
 * `-- wide`: bench/wide.ts; `-- kinship [individuals genes] [backend ...]`: bench/kinship.ts; `-- dream`: bench/dream.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostShareOfCpuFit, machineFacts, runGenelmmFit, timeR } from './runs.js';
import { BENCH_SPEC, writeSynthetic } from './synthetic.js';
import { refreshTable } from './table.js';
import { runDreamBench } from './dream.js';
import { runKinshipBench } from './kinship.js';
import { runVarPartBench } from './varpart.js';
import { runWideBench } from './wide.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH = path.join(ROOT, 'bench');
const FORMULA = '~ treatment + age + (1 | individual)';
const LMER_GENES = 200;
const backends = process.argv.length > 2 ? process.argv.slice(2) : ['cpu', 'webgpu'];
if (backends[0] === 'varpart') {
  runVarPartBench(ROOT, backends.length > 1 ? backends.slice(1) : undefined);
  process.exit(0);
}
if (backends[0] === 'kinship') {
  const sizes = backends.slice(1).filter((arg) => /^\d+$/.test(arg)).map(Number);
  const kinshipBackends = backends.slice(1).filter((arg) => !/^\d+$/.test(arg));
  runKinshipBench(ROOT, sizes[0], sizes[1], kinshipBackends.length > 0 ? kinshipBackends : undefined);
  process.exit(0);
}
if (backends.includes('dream')) {
  runDreamBench(ROOT);
  process.exit(0);
}
if (backends.includes('wide')) {
  runWideBench(ROOT);
  process.exit(0);
}

console.log('generating the seeded 40,000 × 500 matrix (once) ...');
const t0 = performance.now();
const data = writeSynthetic(path.join(BENCH, 'data'), BENCH_SPEC);
console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(fs.statSync(data.expr).size / 1e6).toFixed(0)} MB`);

const lme4 = timeR(ROOT, 'lmer-timing.R', data, FORMULA, LMER_GENES, 'lme4/lmerTest');

/** The cpu backend's fit time in this run, which a GPU run's host share is taken of. */
let cpuFitMs: number | undefined;
for (const backend of backends) {
  const { summary, endToEndMs } = runGenelmmFit(ROOT, ['--expr', data.expr, '--samples', data.samples, '--formula', FORMULA,
    '--backend', backend]);
  if (summary.backend.name === 'cpu') cpuFitMs = summary.timings.fitMs;
  const fittedGenes = summary.statuses.ok + summary.statuses.singular;
  const msPerGene = summary.timings.fitMs / fittedGenes;
  const result = {
    date: new Date().toISOString(),
    machine: machineFacts(),
    backend: summary.backend,
    gpu: summary.gpu ?? null,
    sizes: { genes: summary.genes, samples: summary.samples.used, groups: summary.samples.groups, formula: FORMULA },
    statuses: summary.statuses,
    phasesMs: { ...summary.timings, endToEnd: Math.round(endToEndMs) },
    peakRssMB: summary.peakRssMB,
    // Issue 17's measure: host prepare + upload + finish of a GPU run over the cpu backend's fit, same threads, same run.
    hostShareOfCpuFit: hostShareOfCpuFit(summary, cpuFitMs),
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
