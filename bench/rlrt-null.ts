/**
 * Time of the exact-RLRT null simulation (src/model/inference/rlrt-null.ts) on designs with n = 500 samples in K = 250
 * groups, single-threaded f64 CPU: the eigenvalues once, then 10,000 simulations. Writes
 * bench/results/<date>-rlrt-null.json and prints a table. Run: `npx tsc -p tsconfig.json && node dist/bench/rlrt-null.js`.
 *
 * Designs (seeded, built in code):
 *   bench-design  250 individuals × 2 samples, treatment within individuals, age per individual
 *                 (`~ treatment + age + (1 | individual)`, the design of bench/README.md)
 *   unbalanced    250 groups of sizes 1–3 (random, summing to 500), a numeric covariate per sample
 *   distinct      249 distinct eigenvalues spread over [1, 2] with n = 500, p = 1: the worst case of the grid walk
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSampleSheet } from '../src/io/sample-sheet.js';
import { buildDesign } from '../src/model/design.js';
import { parseFormula } from '../src/model/formula.js';
import { buildPattern } from '../src/model/pattern.js';
import { rlrtEigenvalues, rlrtLambdaGrid, rlrtNullSetup, simulateRlrtNull } from '../src/model/inference/rlrt-null.js';

const NSIM = 10000;
const SEED = 20261124;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Park–Miller, for reproducible designs without touching the simulation's stream. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

function sheetDesign(rows: string[][], header: string[], formula: string): { mu: Float64Array; n: number; p: number; q: number; eigenMs: number } {
  const text = [header, ...rows].map((r) => r.join('\t')).join('\n') + '\n';
  const sheet = parseSampleSheet(text, 'bench');
  const design = buildDesign(parseFormula(formula), sheet, sheet.ids);
  const pattern = buildPattern(design, Int32Array.from({ length: design.nObs }, (_, i) => i));
  const t0 = performance.now();
  const mu = rlrtEigenvalues(pattern);
  return { mu, n: pattern.n, p: pattern.p, q: pattern.q, eigenMs: performance.now() - t0 };
}

function benchDesign(): ReturnType<typeof sheetDesign> {
  const rand = lcg(SEED);
  const rows: string[][] = [];
  for (let i = 0; i < 250; i++) {
    const age = String(20 + Math.floor(rand() * 50));
    for (const t of ['control', 'treated']) rows.push([`S${rows.length + 1}`, `I${i + 1}`, t, age]);
  }
  return sheetDesign(rows, ['sample', 'individual', 'treatment', 'age'], '~ treatment + age + (1 | individual)');
}

function unbalancedDesign(): ReturnType<typeof sheetDesign> {
  const rand = lcg(SEED + 1);
  const sizes = new Array<number>(250).fill(2);
  // Move one sample at a time between random groups, keeping every size in 1..3 and the total at 500.
  for (let k = 0; k < 400; k++) {
    const a = Math.floor(rand() * 250);
    const b = Math.floor(rand() * 250);
    if (a !== b && sizes[a] > 1 && sizes[b] < 3) {
      sizes[a]--;
      sizes[b]++;
    }
  }
  const rows: string[][] = [];
  sizes.forEach((s, g) => {
    for (let j = 0; j < s; j++) rows.push([`S${rows.length + 1}`, `G${g + 1}`, (rand() * 10).toFixed(3)]);
  });
  return sheetDesign(rows, ['sample', 'g', 'x'], '~ x + (1 | g)');
}

const cases = [
  { name: 'bench-design', ...benchDesign() },
  { name: 'unbalanced', ...unbalancedDesign() },
  { name: 'distinct', mu: Float64Array.from({ length: 249 }, (_, i) => 1 + i / 248), n: 500, p: 1, q: 250, eigenMs: 0 },
];

const results = cases.map((c) => {
  const setup = rlrtNullSetup(c.mu, c.n, c.p, rlrtLambdaGrid(), c.q);
  simulateRlrtNull(c.mu, c.n, c.p, 500, SEED, { nRandom: c.q }); // warm-up
  const t0 = performance.now();
  const sample = simulateRlrtNull(c.mu, c.n, c.p, NSIM, SEED, { nRandom: c.q });
  const simulateMs = performance.now() - t0;
  let zeros = 0;
  while (zeros < sample.length && sample[zeros] === 0) zeros++;
  return {
    design: c.name, n: c.n, p: c.p, q: c.q, K: c.mu.length, distinctEigenvalues: setup.values.length, dfW: setup.df,
    nsim: NSIM, eigenMs: c.eigenMs, simulateMs, usPerSimulation: (simulateMs * 1000) / NSIM, massAtZero: zeros / NSIM,
  };
});

console.log('design        n    p  q    K    J   eigen ms  10k sims ms  µs/sim  P(0)');
for (const r of results) {
  console.log(`${r.design.padEnd(12)} ${r.n} ${String(r.p).padStart(2)} ${r.q}  ${String(r.K).padStart(3)}  ${String(r.distinctEigenvalues).padStart(3)}  ${r.eigenMs.toFixed(1).padStart(8)}  ${r.simulateMs.toFixed(0).padStart(11)}  ${r.usPerSimulation.toFixed(1).padStart(6)}  ${r.massAtZero.toFixed(3)}`);
}
const date = new Date().toISOString();
const out = path.join(ROOT, 'bench/results', `${date.slice(0, 10)}-rlrt-null.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({
  date,
  machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  backend: { name: 'cpu', device: 'single thread, f64' },
  seed: SEED,
  results,
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
}, null, 2) + '\n');
console.log(`wrote ${path.relative(ROOT, out)}`);
