/**
 * What every benchmark does around its own data: time R's loop on the first genes (when Rscript has lme4,
 * lmerTest and jsonlite), run `genelmm fit` in a fresh process and read its summary, and describe the machine.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { headGenes } from './synthetic.js';

/**
 * Runs `script` (in bench/) on the first `genes` genes of `expr` as `Rscript script head samples formula out.json`
 * (then `extra`) and returns the JSON it writes, or null without R's packages (said on stdout) or when the script fails.
 */
export function timeR(root: string, script: string, data: { expr: string; samples: string }, formula: string,
  genes: number, label: string, extra: string[] = []): Record<string, number | string> | null {
  if (spawnSync('Rscript', ['-e', 'library(lme4); library(lmerTest); library(jsonlite)']).status !== 0) {
    console.log('Rscript with lme4, lmerTest and jsonlite not found: skipping the lme4 comparison');
    return null;
  }
  console.log(`${label} on the first ${genes} genes ...`);
  const small = headGenes(data.expr, genes, path.join(path.dirname(data.expr), `head${genes}.tsv`));
  const out = path.join(os.tmpdir(), `genelmm-bench-r-${process.pid}.json`);
  const r = spawnSync('Rscript', [path.join(root, 'bench', script), small, data.samples, formula, out, ...extra], { stdio: 'inherit' });
  if (r.status !== 0) return null;
  const result = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out);
  return result;
}

/** Runs `genelmm fit <args> --out (temporary) --summary (temporary)` in a fresh process: its summary and end-to-end time. */
export function runGenelmmFit(root: string, args: string[]): { summary: Record<string, any>; endToEndMs: number } {
  const summaryFile = path.join(os.tmpdir(), `genelmm-bench-summary-${process.pid}.json`);
  const outFile = path.join(os.tmpdir(), `genelmm-bench-out-${process.pid}.tsv`);
  console.log(`genelmm fit ${args.filter((a) => !a.includes(path.sep)).join(' ')} ...`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/main.js'), 'fit', ...args, '--out', outFile,
    '--summary', summaryFile], { stdio: ['ignore', 'inherit', 'inherit'] });
  const endToEndMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`genelmm fit ${args.join(' ')} failed with exit code ${run.status}`);
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
  fs.rmSync(summaryFile);
  fs.rmSync(outFile);
  return { summary, endToEndMs };
}

/**
 * `genelmm compare` on `args` (the inputs and model of a fit, WebGPU against the CPU): its exit status, its wall time
 * and its last line, the verdict against SPEC §6; the table it prints goes to the console.
 */
export function runGenelmmCompare(root: string, args: string[]): { status: number | null; ms: number; verdict: string } {
  console.log(`genelmm compare ${args.filter((a) => !a.includes(path.sep)).join(' ')} ...`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/main.js'), 'compare', ...args], { stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - started;
  process.stdout.write(run.stdout);
  const verdict = run.stdout.trim().split('\n').at(-1) ?? '';
  return { status: run.status, ms: Math.round(ms), verdict };
}

/** The machine a result was measured on. */
export function machineFacts(): Record<string, unknown> {
  return { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

/**
 * Issue 17's measure of a GPU run: its host prepare + upload + finish over the cpu backend's fit time, same threads,
 * same run (`cpuFitMs`); null for a CPU run or without a cpu run before it.
 */
export function hostShareOfCpuFit(summary: Record<string, any>, cpuFitMs: number | undefined): number | null {
  const timings = summary.gpu?.timings;
  if (timings === undefined || cpuFitMs === undefined) return null;
  return (timings.prepareMs + timings.uploadMs + timings.finishMs) / cpuFitMs;
}
