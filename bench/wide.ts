/**
 * `npm run bench -- wide`: a GTEx-sized matrix, 56,000 genes × 17,000 samples (8,500 individuals × 2), seeded,
 * as a gzipped TSV (about 3.5 GB; 7.6 GB of text). Times `genelmm fit --backend cpu` end to end in a fresh process
 * and records its phases and peak RSS (issue 14's target: peak RSS ≤ 2 GB, which only streaming can meet: the
 * matrix is 7.6 GB as f64) in bench/results/<date>-wide.json. No lme4 comparison: R's loop would take days.
 */
import fs from 'node:fs';
import path from 'node:path';
import { machineFacts, runGenelmmFit } from './runs.js';
import { type SyntheticSpec, writeSynthetic } from './synthetic.js';

export const WIDE_SPEC: SyntheticSpec = {
  nGenes: 56_000, nGroups: 8_500, perGroup: 2, seed: 20261205, zeroFraction: 0.02, naFraction: 0.01, gzip: true,
};
const FORMULA = '~ treatment + age + (1 | individual)';

export function runWideBench(root: string): void {
  console.log('generating the seeded 56,000 × 17,000 gzipped matrix (once; several minutes) ...');
  const t0 = performance.now();
  const data = writeSynthetic(path.join(root, 'bench', 'data', 'wide'), WIDE_SPEC);
  console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(fs.statSync(data.expr).size / 1e6).toFixed(0)} MB`);
  const { summary, endToEndMs } = runGenelmmFit(root, ['--expr', data.expr, '--samples', data.samples, '--formula', FORMULA,
    '--backend', 'cpu']);
  const result = {
    date: new Date().toISOString(),
    machine: machineFacts(),
    backend: summary.backend,
    sizes: { genes: summary.genes, samples: summary.samples.used, groups: summary.samples.groups, formula: FORMULA,
      fileMB: Math.round(fs.statSync(data.expr).size / 1e6) },
    statuses: summary.statuses,
    phasesMs: { ...summary.timings, endToEnd: Math.round(endToEndMs) },
    peakRssMB: summary.peakRssMB,
  };
  const name = `${result.date.slice(0, 10)}-wide.json`;
  fs.writeFileSync(path.join(root, 'bench', 'results', name), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify({ phasesMs: result.phasesMs, peakRssMB: result.peakRssMB, statuses: result.statuses }, null, 2));
  console.log(`wrote bench/results/${name}`);
}
