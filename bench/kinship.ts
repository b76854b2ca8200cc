/**
 * `npm run bench -- kinship [individuals genes] [backend ...]`: issue 12's benchmark. Simulates unrelated individuals' genotypes
 * (a PLINK 1 .bed, seeded), makes their GRM with `genelmm grm`, simulates expression with a heritable part from
 * those genotypes (one sample per individual, a sex effect, a few missing values), then times `genelmm fit
 * --kinship` end to end in a fresh process, and lme4 with the kinship's square root premultiplied into Zᵀ (as
 * lme4qtl's relmatLmer) on the first 3 genes in the same run (up to 500 individuals). Default: 500 individuals × 40,000 genes; the
 * second point of the issue is `-- kinship 5000 5000`. Results: see runKinshipBench.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hostShareOfCpuFit, machineFacts, runGenelmmFit, timeR } from './runs.js';
import { rng } from './synthetic.js';

const FORMULA = '~ sex + (1 | individual)';
/** lme4 with a dense Zᵀ takes half a minute to minutes a gene at 500 individuals (10 genes ran over 13 minutes). */
const LMER_GENES = 3;
const LMER_MAX_INDIVIDUALS = 500;
const SNPS = 20_000;
/** SNPs behind each gene's heritable part. */
const CAUSAL = 50;
/** Share of genes with missing values, and of their cells that are missing. */
const NA_GENES = 0.05;
const NA_CELLS = 0.02;

interface KinshipSpec { individuals: number; genes: number; seed: number }

/**
 * Writes `<dir>/geno.bed/.bim/.fam` (SNPS unlinked SNPs, allele frequencies from U(0.05, 0.5), 0.1% missing calls),
 * `samples.tsv` and `expr.tsv`: y = μ + β·sex + g + e with g the sum of CAUSAL standardised SNPs' effects scaled to
 * h2 ~ U(0, 0.8). Does nothing when the files exist for the same spec.
 */
function writeKinshipData(dir: string, spec: KinshipSpec): { bfile: string; expr: string; samples: string } {
  const files = { bfile: path.join(dir, 'geno'), expr: path.join(dir, 'expr.tsv'), samples: path.join(dir, 'samples.tsv') };
  const stamp = path.join(dir, 'spec.json');
  if (fs.existsSync(files.expr) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === JSON.stringify(spec)) return files;
  fs.mkdirSync(dir, { recursive: true });
  const random = rng(spec.seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const n = spec.individuals;
  const ids = Array.from({ length: n }, (_, i) => `I${String(i + 1).padStart(5, '0')}`);
  const sex = ids.map(() => (random() < 0.5 ? 1 : 2));

  const perSnp = Math.ceil(n / 4);
  const bed = new Uint8Array(3 + SNPS * perSnp);
  bed.set([0x6c, 0x1b, 0x01]);
  const standardised = new Float32Array(SNPS * n); // [snp × individual], 0 where missing
  for (let j = 0; j < SNPS; j++) {
    const p = 0.05 + 0.45 * random();
    const scale = Math.sqrt(2 * p * (1 - p));
    for (let i = 0; i < n; i++) {
      const missing = random() < 0.001;
      const dosage = (random() < p ? 1 : 0) + (random() < p ? 1 : 0);
      const code = missing ? 1 : [3, 2, 0][dosage];
      bed[3 + j * perSnp + (i >> 2)] |= code << ((i & 3) * 2);
      standardised[j * n + i] = missing ? 0 : (dosage - 2 * p) / scale;
    }
  }
  fs.writeFileSync(`${files.bfile}.bed`, bed);
  fs.writeFileSync(`${files.bfile}.bim`, Array.from({ length: SNPS }, (_, j) => `1\trs${j + 1}\t0\t${(j + 1) * 1000}\tA\tG\n`).join(''));
  fs.writeFileSync(`${files.bfile}.fam`, ids.map((id, i) => `${id}\t${id}\t0\t0\t${sex[i]}\t-9\n`).join(''));
  fs.writeFileSync(files.samples, 'sample\tindividual\tsex\n' + ids.map((id, i) => `S_${id}\t${id}\t${sex[i] === 1 ? 'male' : 'female'}\n`).join(''));

  const out = fs.openSync(files.expr, 'w');
  fs.writeSync(out, `gene\t${ids.map((id) => `S_${id}`).join('\t')}\n`);
  const g = new Float64Array(n);
  let lines: string[] = [];
  for (let gene = 0; gene < spec.genes; gene++) {
    const h2 = 0.8 * random();
    const mu = 5 + 5 * random();
    const beta = random() < 0.2 ? 0.5 * normal() : 0;
    g.fill(0);
    for (let c = 0; c < CAUSAL; c++) {
      const j = Math.floor(random() * SNPS);
      const effect = Math.sqrt(h2 / CAUSAL) * normal();
      for (let i = 0; i < n; i++) g[i] += effect * standardised[j * n + i];
    }
    const hasNa = random() < NA_GENES;
    const cells = [`G${String(gene + 1).padStart(5, '0')}`];
    for (let i = 0; i < n; i++) {
      const y = mu + beta * (sex[i] - 1) + g[i] + Math.sqrt(1 - h2) * normal();
      cells.push(hasNa && random() < NA_CELLS ? 'NA' : y.toFixed(4));
    }
    lines.push(`${cells.join('\t')}\n`);
    if (lines.length === 500) {
      fs.writeSync(out, lines.join(''));
      lines = [];
    }
  }
  fs.writeSync(out, lines.join(''));
  fs.closeSync(out);
  fs.writeFileSync(stamp, JSON.stringify(spec));
  return files;
}

/**
 * `npm run bench -- kinship [individuals genes] [backend ...]`: the kinship benchmark on each backend (default: cpu),
 * each run's result in bench/results/<date>-kinship-<individuals>[x<genes>][-<backend>].json (the gene count where it is
 * not 40,000, the backend where it is not cpu).
 */
export function runKinshipBench(root: string, individuals = 500, genes = 40_000, backends = ['cpu']): void {
  const spec = { individuals, genes, seed: 20261206 };
  const dir = path.join(root, 'bench', 'data', `kinship-${individuals}`);
  console.log(`generating ${individuals} individuals' genotypes (${SNPS} SNPs) and ${genes} genes (once) ...`);
  let t0 = performance.now();
  const data = writeKinshipData(dir, spec);
  console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  console.log('genelmm grm ...');
  t0 = performance.now();
  const grm = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/main.js'), 'grm', '--bfile', data.bfile, '--out', data.bfile, '--quiet'],
    { stdio: 'inherit' });
  if (grm.status !== 0) throw new Error('genelmm grm failed');
  const grmMs = performance.now() - t0;

  // lme4 with a dense n × n Zᵀ takes about 27 s a gene at 500 individuals, and grows as n³: beyond 500 it is left out.
  const lme4 = individuals > LMER_MAX_INDIVIDUALS ? null
    : timeR(root, 'kinship-lmer.R', data, FORMULA, LMER_GENES, 'lme4 with the kinship factor (relmatLmer\'s approach)', [data.bfile]);
  let cpuFitMs: number | undefined;
  for (const backend of backends) {
    const { summary, endToEndMs } = runGenelmmFit(root, ['--expr', data.expr, '--samples', data.samples, '--formula', FORMULA,
      '--kinship', data.bfile, '--backend', backend]);
    if (summary.backend.name === 'cpu') cpuFitMs = summary.timings.fitMs;
    const result = {
      date: new Date().toISOString(),
      machine: machineFacts(),
      backend: summary.backend,
      gpu: summary.gpu ?? null,
      sizes: { genes: summary.genes, individuals, snps: SNPS, formula: FORMULA },
      statuses: summary.statuses,
      grmMs: Math.round(grmMs),
      phasesMs: { ...summary.timings, endToEnd: Math.round(endToEndMs) },
      peakRssMB: summary.peakRssMB,
      hostShareOfCpuFit: hostShareOfCpuFit(summary, cpuFitMs),
      lme4,
      speedup: lme4 ? { perGeneEndToEnd: (lme4.ms_per_gene as number) / (endToEndMs / summary.genes) } : null,
    };
    const name = `${result.date.slice(0, 10)}-kinship-${individuals}${genes === 40_000 ? '' : `x${genes}`}${backend === 'cpu' ? '' : `-${summary.backend.name}`}.json`;
    fs.writeFileSync(path.join(root, 'bench', 'results', name), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify({ backend: summary.backend.name, grmMs: result.grmMs, phasesMs: result.phasesMs, gpu: result.gpu?.timings,
      hostShareOfCpuFit: result.hostShareOfCpuFit, peakRssMB: result.peakRssMB, statuses: result.statuses, lme4: lme4?.ms_per_gene,
      speedup: result.speedup }, null, 2));
    console.log(`wrote bench/results/${name}`);
  }
}
