/**
 * `npm run bench -- varpart`: variance partitioning of a seeded 20,000 genes × 1,000 samples matrix (250
 * individuals × 4 tissues, 10 batches, age), `~ Age + (1 | Individual) + (1 | Tissue) + (1 | Batch)` by ML, as
 * variancePartition's fitExtractVarPartModel fits it. Times `genelmm fit` end to end in a fresh process, and
 * lme4 + lmerTest + calcVarPart's formulas (bench/varpart-lmer.R) on the first 100 of the same genes when Rscript
 * has them; writes bench/results/<date>-varpart.json (and -varpart-webgpu.json with `webgpu` among the backends, with
 * `genelmm compare`'s verdict on the whole matrix).
 */
import fs from 'node:fs';
import path from 'node:path';
import { hostShareOfCpuFit, machineFacts, runGenelmmCompare, runGenelmmFit, timeR } from './runs.js';
import { type BenchFiles, seededFiles } from './synthetic.js';

export const VARPART_FORMULA = '~ Age + (1 | Individual) + (1 | Tissue) + (1 | Batch)';
const SPEC = { nGenes: 20_000, individuals: 250, tissues: 4, batches: 10, seed: 20261205 };
const LMER_GENES = 100;

/**
 * Writes `<dir>/expr.tsv` and `<dir>/samples.tsv`: y = μ + γ·Age + u_individual + u_tissue + u_batch + e, the
 * three variances and the residual's a random split of 1 per gene (a quarter of genes without a batch effect).
 */
function writeVarPartData(dir: string): BenchFiles {
  return seededFiles(dir, SPEC, ({ expr, samples }, random, normal) => {
    const n = SPEC.individuals * SPEC.tissues;
    const individual = Array.from({ length: n }, (_, i) => Math.floor(i / SPEC.tissues));
    const tissue = Array.from({ length: n }, (_, i) => i % SPEC.tissues);
    const batch = Array.from({ length: n }, () => Math.floor(random() * SPEC.batches));
    const age = Array.from({ length: SPEC.individuals }, () => Math.round(20 + 60 * random()));
    const ids = Array.from({ length: n }, (_, i) => `S${String(i + 1).padStart(4, '0')}`);
    fs.writeFileSync(samples, 'sample\tIndividual\tTissue\tBatch\tAge\n' +
      ids.map((id, i) => `${id}\tI${individual[i] + 1}\tT${tissue[i] + 1}\tB${batch[i] + 1}\t${age[individual[i]]}\n`).join(''));
    const out = fs.openSync(expr, 'w');
    fs.writeSync(out, `gene\t${ids.join('\t')}\n`);
    const ui = new Float64Array(SPEC.individuals);
    const ut = new Float64Array(SPEC.tissues);
    const ub = new Float64Array(SPEC.batches);
    for (let g = 0; g < SPEC.nGenes; g++) {
      const w = [random(), random(), random() < 0.25 ? 0 : 0.3 * random(), random()];
      const total = w.reduce((a, b) => a + b, 0);
      const [vi, vt, vb, ve] = w.map((x) => x / total);
      for (let j = 0; j < ui.length; j++) ui[j] = Math.sqrt(vi) * normal();
      for (let j = 0; j < ut.length; j++) ut[j] = Math.sqrt(vt) * normal();
      for (let j = 0; j < ub.length; j++) ub[j] = Math.sqrt(vb) * normal();
      const mu = 2 + 10 * random();
      const gamma = 0.01 * normal();
      const cells = [`G${String(g + 1).padStart(5, '0')}`];
      for (let i = 0; i < n; i++) {
        cells.push((mu + gamma * age[individual[i]] + ui[individual[i]] + ut[tissue[i]] + ub[batch[i]] + Math.sqrt(ve) * normal()).toFixed(4));
      }
      fs.writeSync(out, `${cells.join('\t')}\n`);
    }
    fs.closeSync(out);
  });
}

/**
 * Runs the benchmark on each of `backends` (`root` is the repository), the CPU first; with `webgpu` among them,
 * `genelmm compare` also checks the GPU against the CPU on the whole matrix (SPEC §6), and its verdict is recorded.
 */
export function runVarPartBench(root: string, backends = ['cpu']): void {
  const bench = path.join(root, 'bench');
  const dir = path.join(bench, 'data', 'varpart');
  console.log('generating the seeded 20,000 × 1,000 matrix (once) ...');
  const data = writeVarPartData(dir);
  const lme4 = timeR(root, 'varpart-lmer.R', data, VARPART_FORMULA, LMER_GENES, 'lme4 + lmerTest + calcVarPart');
  const inputs = ['--expr', data.expr, '--samples', data.samples, '--formula', VARPART_FORMULA, '--method', 'ml'];
  let cpuFitMs: number | undefined;
  for (const backend of backends) {
    const { summary, endToEndMs } = runGenelmmFit(root, [...inputs, '--backend', backend]);
    if (summary.backend.name === 'cpu') cpuFitMs = summary.timings.fitMs;
    const fittedGenes = summary.statuses.ok + summary.statuses.singular;
    const result = {
      date: new Date().toISOString(),
      benchmark: 'varpart',
      machine: machineFacts(),
      backend: summary.backend,
      sizes: { genes: summary.genes, samples: summary.samples.used, terms: summary.model.terms, formula: VARPART_FORMULA, method: 'ml' },
      statuses: summary.statuses,
      timingsMs: { ...summary.timings, endToEnd: Math.round(endToEndMs) },
      msPerGene: { fit: summary.timings.fitMs / fittedGenes, endToEnd: endToEndMs / summary.genes },
      peakRssMB: summary.peakRssMB,
      gpu: summary.gpu,
      hostShareOfCpuFit: hostShareOfCpuFit(summary, cpuFitMs),
      compare: backend === 'webgpu' ? runGenelmmCompare(root, inputs) : undefined,
      lme4,
      speedup: lme4 ? {
        perGeneFit: (lme4.ms_per_gene as number) / (summary.timings.fitMs / fittedGenes),
        perGeneEndToEnd: (lme4.ms_per_gene as number) / (endToEndMs / summary.genes),
      } : null,
    };
    const name = `${result.date.slice(0, 10)}-varpart${backend === 'cpu' ? '' : `-${summary.backend.name}`}.json`;
    fs.writeFileSync(path.join(bench, 'results', name), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify({ backend: summary.backend.name, timingsMs: result.timingsMs, gpu: result.gpu?.timings,
      hostShareOfCpuFit: result.hostShareOfCpuFit, compare: result.compare?.verdict, msPerGene: result.msPerGene, peakRssMB: result.peakRssMB,
      speedup: result.speedup }, null, 2));
    console.log(`wrote bench/results/${name}`);
  }
}
