import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';

/** A running `genelmm serve`, started as a child process. */
export interface ServeProcess {
  url: string;
  port: number;
  /** Whether the process is still running. */
  running(): boolean;
  stop(): void;
}

/**
 * Runs `command ...args` (a `genelmm serve --port 0` in some form) and resolves with the address it prints on its
 * first line of stdout; rejects with its stderr if it exits first.
 */
export function startServeProcess(command: string, args: string[], cwd?: string): Promise<ServeProcess> {
  const child: ChildProcess = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => {
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(chunk.toString())?.[0];
      if (url) resolve({ url, port: Number(new URL(url).port), running: () => child.exitCode === null && child.signalCode === null, stop: () => child.kill() });
      else {
        child.kill();
        reject(new Error(`no address in ${JSON.stringify(chunk.toString())}`));
      }
    });
    child.on('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`)));
  });
}

/** Asserts that `url` serves the web app's page: status 200 and genelmm's title. */
export async function assertServesApp(url: string): Promise<void> {
  const index = await fetch(url);
  assert.equal(index.status, 200);
  assert.match(await index.text(), /<title>genelmm/);
}
