/** npm, npx and a scratch copy of the checkout, for the tests that install genelmm as a user would. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cases.js';
import type { CliRun } from '../helpers/cli.js';

/** The version in package.json: what `genelmm --version` prints. */
export const VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;

/**
 * Runs `command ...args` (npm, npx, an installed genelmm) in `cwd`, without npm's update notifier, audit or funding
 * lines; `env` adds to the environment (npm_config_cache: a cache of the test's own, so npx's installs stay in it).
 */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: '',
    npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...env } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

/** The checkout's files as git sees them (tracked, and untracked but not ignored), relative to the root. */
export function checkoutFiles(): string[] | undefined {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout.split('\0').filter((file) => file !== '' && fs.existsSync(path.join(REPO_ROOT, file)));
}
