import { compareResults, type Comparison, formatComparison } from '../results/compare.js';
import { UsageError } from '../errors.js';
import { fitGeneSource } from '../fit-genes.js';
import { readKinship } from '../io/kinship-files.js';
import { fileSource } from '../io/read-files.js';
import { describeAdapter, probeAdapter } from '../gpu/device.js';
import { probeGpuJs } from '../gpujs/device.js';
import type { FitCliOptions } from './option-values.js';
import { planRun, readCheckedSheet } from './run-plan.js';

/** The UsageError of a compare that has no GPU backend to compare with (exit 2, before any input is read). */
function noGpu(reason: string): UsageError {
  return new UsageError(`genelmm compare needs a GPU backend, and there is none: ${reason}`,
    'genelmm info lists the backends on this machine; genelmm fit runs on the CPU without one');
}

/**
 * `genelmm compare`: fits the same input on the GPU backend and on the f64 CPU backend (each streaming the matrix
 * from its file, as genelmm fit does), prints per column the
 * largest difference and where, and the status disagreements. Resolves to the comparison; the caller exits
 * non-zero when it is not within SPEC §6. Without a GPU backend it throws a UsageError before reading anything.
 */
export async function runCompare(o: FitCliOptions): Promise<Comparison> {
  const say = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  const plan = await planRun(o, 'compare', say);
  const { inputs, options } = plan;
  const gpuBackend = options.backend === 'gpujs' ? 'gpujs' : 'webgpu';
  const probe = gpuBackend === 'gpujs' ? await probeGpuJs() : await probeAdapter();
  if ('unavailable' in probe) throw noGpu(probe.unavailable);
  const samples = await readCheckedSheet(plan);
  const kinship = inputs.kinship === undefined ? undefined : await readKinship(inputs.kinship);
  const source = fileSource(inputs.expr);
  const gpu = await fitGeneSource(source, samples, plan.formula, { ...options, kinship, backend: gpuBackend });
  // The fit's notices wait until the GPU is known to have run: a fallback notice would contradict the error.
  if (gpu.backend.name === 'cpu') throw noGpu(gpu.backend.reason);
  for (const notice of gpu.notices) say(`note: ${notice}`);
  const cpu = await fitGeneSource(source, samples, plan.formula, { ...options, kinship, backend: 'cpu' });
  const comparison = compareResults(cpu.geneIds, cpu.coefNames, cpu.results, gpu.results, { rlrtNsim: options.rlrtExact }, cpu.shape);
  const report = gpu.gpu;
  process.stdout.write(`${[
    `genelmm compare: ${cpu.geneIds.length} genes, ${inputs.formula}`,
    `GPU: ${gpu.backend.name} on ${report ? describeAdapter(report.adapter) : gpu.backend.device}, fit ${gpu.timings.fitMs.toFixed(0)} ms` +
      (report ? `; ${report.gpuGenes} genes on the GPU, ${report.refinedGenes} refined in f64 on the CPU, ${report.cpuGenes} on the CPU` +
        (report.failure ? ` (${report.failure})` : '') : ''),
    `CPU: ${cpu.backend.device}, fit ${cpu.timings.fitMs.toFixed(0)} ms`,
    '',
    formatComparison(comparison),
  ].join('\n')}\n`);
  return comparison;
}
