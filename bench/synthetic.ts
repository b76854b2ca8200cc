import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** Shape of the benchmark matrix of issue #2. */
export interface SyntheticSpec {
  nGenes: number;
  nGroups: number;
  perGroup: number;
  seed: number;
  /** Fraction of genes that are all zero, and that have missing values. */
  zeroFraction: number;
  naFraction: number;
  /** Write expr.tsv.gz (gzip members of a few MB each, as bgzip writes them) instead of expr.tsv. */
  gzip?: boolean;
}

export const BENCH_SPEC: SyntheticSpec = { nGenes: 40_000, nGroups: 250, perGroup: 2, seed: 20261124, zeroFraction: 0.02, naFraction: 0.01 };

/** A data set's two files in `dir`. */
export interface BenchFiles {
  expr: string;
  samples: string;
}

/**
 * The files `dir/expr.tsv` and `dir/samples.tsv` of a seeded data set: kept where they were written for this very
 * `spec` (its JSON is stamped beside them), else written by `write` with `spec.seed`'s uniform and normal draws.
 */
export function seededFiles(dir: string, spec: { seed: number },
  write: (files: BenchFiles, random: () => number, normal: () => number) => void): BenchFiles {
  const files = { expr: path.join(dir, 'expr.tsv'), samples: path.join(dir, 'samples.tsv') };
  const stamp = path.join(dir, 'spec.json');
  if (fs.existsSync(files.expr) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === JSON.stringify(spec)) return files;
  fs.mkdirSync(dir, { recursive: true });
  const random = rng(spec.seed);
  write(files, random, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  fs.writeFileSync(stamp, JSON.stringify(spec));
  return files;
}

/** mulberry32: a small seeded generator, enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes `<dir>/expr.tsv` and `<dir>/samples.tsv`: y = μ + β·treatment + γ·age + u_group + e per gene, with
 * h2 = σ²_g / (σ²_g + σ²_e) drawn from U(0, 0.9), treatment varying within groups, age per group.
 * Returns the paths; does nothing when the files already exist for the same spec.
 */
export function writeSynthetic(dir: string, spec: SyntheticSpec): { expr: string; samples: string } {
  const expr = path.join(dir, spec.gzip ? 'expr.tsv.gz' : 'expr.tsv');
  const samples = path.join(dir, 'samples.tsv');
  const stamp = path.join(dir, 'spec.json');
  if (fs.existsSync(expr) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === JSON.stringify(spec)) return { expr, samples };
  fs.mkdirSync(dir, { recursive: true });
  const random = rng(spec.seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const nSamples = spec.nGroups * spec.perGroup;
  const group = Array.from({ length: nSamples }, (_, i) => Math.floor(i / spec.perGroup));
  const treated = Array.from({ length: nSamples }, (_, i) => i % 2);
  const age = Array.from({ length: spec.nGroups }, () => Math.round(20 + 50 * random()));
  const ids = Array.from({ length: nSamples }, (_, i) => `S${String(i + 1).padStart(4, '0')}`);
  fs.writeFileSync(samples, 'sample\tindividual\ttreatment\tage\n' +
    ids.map((id, i) => `${id}\tI${group[i] + 1}\t${treated[i] ? 'treated' : 'control'}\t${age[group[i]]}\n`).join(''));

  const out = fs.openSync(expr, 'w');
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = (): void => {
    const text = pending.join('');
    fs.writeSync(out, spec.gzip ? zlib.gzipSync(text, { level: 1 }) : Buffer.from(text));
    pending = [];
    pendingLength = 0;
  };
  const write = (line: string): void => {
    pending.push(line);
    pendingLength += line.length;
    if (pendingLength > 4e6) flush();
  };
  write(`gene\t${ids.join('\t')}\n`);
  const u = new Float64Array(spec.nGroups);
  for (let g = 0; g < spec.nGenes; g++) {
    const kind = random();
    const cells: string[] = [`G${String(g + 1).padStart(5, '0')}`];
    if (kind < spec.zeroFraction) {
      for (let i = 0; i < nSamples; i++) cells.push('0');
    } else {
      const h2 = 0.9 * random();
      const mu = 2 + 10 * random();
      const beta = random() < 0.2 ? normal() : 0;
      const gamma = 0.01 * normal();
      for (let j = 0; j < spec.nGroups; j++) u[j] = Math.sqrt(h2) * normal();
      const hasNa = kind < spec.zeroFraction + spec.naFraction;
      for (let i = 0; i < nSamples; i++) {
        const y = mu + beta * treated[i] + gamma * age[group[i]] + u[group[i]] + Math.sqrt(1 - h2) * normal();
        cells.push(hasNa && random() < 0.05 ? 'NA' : y.toFixed(4));
      }
    }
    write(`${cells.join('\t')}\n`);
  }
  flush();
  fs.closeSync(out);
  fs.writeFileSync(stamp, JSON.stringify(spec));
  return { expr, samples };
}

/** The first `n` genes of a matrix file, as a new file (for the lme4 comparison). */
export function headGenes(expr: string, n: number, to: string): string {
  const text = fs.readFileSync(expr, 'utf8');
  let end = 0;
  for (let i = 0; i <= n; i++) end = text.indexOf('\n', end) + 1;
  fs.writeFileSync(to, text.slice(0, end));
  return to;
}
