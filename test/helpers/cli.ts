import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './cases.js';

/** The built CLI entry point. */
export const CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');

/** Outcome of one CLI run. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `genelmm ...args` to completion. */
export function runCli(args: string[], cwd = REPO_ROOT): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory holding the given files; removed by the returned cleanup. */
export function tempFiles(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-test-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A six-sample sheet (trt a/b within three groups) and a two-gene matrix over it, for the CLI's option and path tests. */
export const TINY_SHEET = 'sample\ttrt\tgroup\ns1\ta\tg1\ns2\tb\tg1\ns3\ta\tg2\ns4\tb\tg2\ns5\ta\tg3\ns6\tb\tg3\n';
export const TINY_MATRIX = 'gene\ts1\ts2\ts3\ts4\ts5\ts6\ng1\t1.5\t2\t3.25\t4\t0.5\t6\ng2\t2\t1\t3\t5\t4\t4.5\n';

/** `genelmm fit` on m.tsv and s.tsv of `dir` (TINY_MATRIX and TINY_SHEET, or a variant), quiet, on the CPU, with `extra` arguments. */
export function tinyFitArgs(dir: string, ...extra: string[]): string[] {
  return ['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula', '~ trt + (1 | group)',
    '--backend', 'cpu', '--quiet', ...extra];
}
