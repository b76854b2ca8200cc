import os from 'node:os';
import { defaultThreads } from '../backends/cpu.js';
import { packageVersion } from './summary.js';

/** `genelmm info`: the backends on this machine, and their limits. */
export function runInfo(): void {
  const lines = [
    `genelmm ${packageVersion()} on Node ${process.version}, ${os.platform()} ${os.arch()}`,
    'backends:',
    `  cpu     available: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${defaultThreads()} thread(s), f64 (the reference)`,
    '  webgpu  not built yet in this version',
    '  gpujs   not built yet in this version',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
