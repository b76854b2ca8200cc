/**
 * `npm run bench -- dream`: dream's workflow for repeated measures, as issue 13 sizes it: a seeded 20,000 genes × 200
 * samples count matrix (50 donors × 4 time points; disease C, D or E per donor; 10% of genes with about 5% of their
 * cells missing) fitted with `~ disease + time + (1 | donor)`, `--voom`, a contrast, the F tests of disease and time,
 * and empirical Bayes. Times `genelmm fit` end to end in a fresh process, and the R loop it replaces
 * (bench/dream-lmer.R: voomWithDreamWeights' and dream's fits, contest1D, anova, the residual df) on the first 100 of
 * the same genes when Rscript has lme4 and lmerTest; then the same at 16 samples (4 donors) with `--ddf
 * kenward-roger` (lmerTest's ddf = "Kenward-Roger" in R); writes bench/results/<date>-dream.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { machineFacts, runGenelmmFit, timeR } from './runs.js';
import { type BenchFiles, seededFiles } from './synthetic.js';

export const DREAM_FORMULA = '~ disease + time + (1 | donor)';
export const DREAM_CONTRAST = 'DvsE=diseaseD - diseaseE';
type DreamSpec = { nGenes: number; donors: number; times: number; seed: number; naGenes: number; naCells: number; counts: true };
const SPEC: DreamSpec = { nGenes: 20_000, donors: 50, times: 4, seed: 20261206, naGenes: 0.1, naCells: 0.05, counts: true };
/** The small study of `--ddf kenward-roger`: 4 donors × 4 time points (dream switches to it below 20 samples). */
const SMALL_SPEC: DreamSpec = { ...SPEC, donors: 4 };
const LMER_GENES = 100;

/** A Poisson draw of mean `mean`: by inversion below 30, by the normal approximation (rounded, ≥ 0) above. */
function poisson(mean: number, random: () => number, normal: () => number): number {
  if (mean >= 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  const u = random();
  while (u > cdf && k < 1000) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

/**
 * Writes `<dir>/expr.tsv` and `<dir>/samples.tsv`: counts ~ Poisson(L_s · exp(μ + disease + time + u_donor + e)),
 * μ from log 2 to log 5000, e ~ N(0, 0.3²) (over-dispersion), a donor SD U(0, 0.5), disease and time effects
 * N(0, 0.4²) on a third of the genes, library-size factors L_s from 0.5 to 2.
 */
function writeDreamData(dir: string, spec: DreamSpec): BenchFiles {
  return seededFiles(dir, spec, ({ expr, samples }, random, normal) => {
    const n = spec.donors * spec.times;
    const donor = Array.from({ length: n }, (_, i) => Math.floor(i / spec.times));
    const time = Array.from({ length: n }, (_, i) => i % spec.times);
    const disease = Array.from({ length: spec.donors }, (_, d) => d % 3);
    const library = Array.from({ length: n }, () => Math.exp(Math.log(0.5) + Math.log(4) * random()));
    const ids = Array.from({ length: n }, (_, i) => `S${String(i + 1).padStart(4, '0')}`);
    fs.writeFileSync(samples, 'sample\tdonor\tdisease\ttime\n' +
      ids.map((id, i) => `${id}\tD${donor[i] + 1}\t${'CDE'[disease[donor[i]]]}\tt${time[i]}\n`).join(''));
    const out = fs.openSync(expr, 'w');
    fs.writeSync(out, `gene\t${ids.join('\t')}\n`);
    const u = new Float64Array(spec.donors);
    for (let g = 0; g < spec.nGenes; g++) {
      const donorSd = 0.5 * random();
      for (let d = 0; d < u.length; d++) u[d] = donorSd * normal();
      const effects = random() < 1 / 3;
      const diseaseEffect = [0, 1, 2].map((k) => (effects && k > 0 ? 0.4 * normal() : 0));
      const timeEffect = [0, 1, 2, 3].map((k) => (effects && k > 0 ? 0.4 * normal() : 0));
      const missing = random() < spec.naGenes ? spec.naCells : 0;
      const mu = Math.log(2) + Math.log(2500) * random();
      const cells = [`G${String(g + 1).padStart(5, '0')}`];
      for (let i = 0; i < n; i++) {
        const mean = library[i] * Math.exp(mu + diseaseEffect[disease[donor[i]]] + timeEffect[time[i]] + u[donor[i]] + 0.3 * normal());
        const count = poisson(mean, random, normal);
        cells.push(random() < missing ? 'NA' : String(count));
      }
      fs.writeSync(out, `${cells.join('\t')}\n`);
    }
    fs.closeSync(out);
  });
}

/** The options of each run: dream's workflow, with Satterthwaite's df at 200 samples and Kenward–Roger's at 16. */
const RUNS = [
  { name: 'satterthwaite', spec: SPEC, dir: 'dream', ddf: 'Satterthwaite', options: ['--voom', '--contrast', DREAM_CONTRAST, '--anova', '--ebayes'] },
  { name: 'kenwardRoger', spec: SMALL_SPEC, dir: 'dream-16', ddf: 'Kenward-Roger',
    options: ['--voom', '--contrast', DREAM_CONTRAST, '--anova', '--ebayes', '--ddf', 'kenward-roger'] },
] as const;

/** Runs the benchmark; `root` is the repository. */
export function runDreamBench(root: string): void {
  const bench = path.join(root, 'bench');
  const date = new Date().toISOString();
  const runs: Record<string, unknown> = {};
  for (const run of RUNS) {
    console.log(`generating the seeded ${run.spec.nGenes} × ${run.spec.donors * run.spec.times} count matrix (once) ...`);
    const data = writeDreamData(path.join(bench, 'data', run.dir), run.spec);
    const lme4 = timeR(root, 'dream-lmer.R', data, DREAM_FORMULA, LMER_GENES, `voom + weighted lmerTest (${run.ddf}) + contest1D + anova + rdf`,
      [DREAM_CONTRAST, data.expr, run.ddf]);
    const { summary, endToEndMs } = runGenelmmFit(root, ['--expr', data.expr, '--samples', data.samples, '--formula', DREAM_FORMULA,
      ...run.options, '--backend', 'cpu']);
    const fittedGenes = summary.statuses.ok + summary.statuses.singular;
    const msPerGene = { fit: summary.timings.fitMs / fittedGenes, endToEnd: endToEndMs / summary.genes };
    runs[run.name] = {
      sizes: { genes: summary.genes, samples: summary.samples.used, groups: summary.samples.groups, formula: DREAM_FORMULA, contrast: DREAM_CONTRAST,
        options: run.options.join(' ') },
      voomGenes: summary.voom?.genes,
      statuses: summary.statuses,
      ebayes: summary.ebayes,
      timingsMs: { ...summary.timings, endToEnd: Math.round(endToEndMs) },
      msPerGene,
      peakRssMB: summary.peakRssMB,
      lme4,
      speedup: lme4 ? {
        perGeneFit: (lme4.ms_per_gene as number) / msPerGene.fit,
        perGeneEndToEnd: (lme4.ms_per_gene as number) / msPerGene.endToEnd,
      } : null,
    };
    console.log(JSON.stringify({ [run.name]: runs[run.name] }, null, 2));
  }
  const result = { date, benchmark: 'dream', machine: machineFacts(), backend: 'cpu', ...runs };
  const name = `${date.slice(0, 10)}-dream.json`;
  fs.writeFileSync(path.join(bench, 'results', name), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote bench/results/${name}`);
}
