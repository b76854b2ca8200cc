import { compareResults, type Comparison, formatComparison } from '../compare.js';
import { fitGenes } from '../fit-genes.js';
import { readMatrix, readSampleSheet } from '../io/read-files.js';
import { describeAdapter } from '../gpu/device.js';
import { requireInputs } from './fit.js';
import { type FitCliOptions, toFitOptions } from './option-values.js';

/**
 * `genelmm compare`: fits the same input on the GPU backend and on the f64 CPU backend, prints per column the
 * largest difference and where, and the status disagreements. Resolves to the comparison; the caller exits
 * non-zero when it is not within SPEC §6.
 */
export async function runCompare(o: FitCliOptions): Promise<Comparison> {
  const inputs = requireInputs(o);
  const options = toFitOptions(o);
  const say = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  const matrix = await readMatrix(inputs.expr);
  const samples = await readSampleSheet(inputs.samples);
  const gpuBackend = options.backend === 'auto' || options.backend === 'cpu' ? 'webgpu' : options.backend;
  const gpu = await fitGenes(matrix, samples, inputs.formula, { ...options, backend: gpuBackend, onNotice: (m) => say(`note: ${m}`) });
  if (gpu.backend.name === 'cpu') throw new Error(`no GPU backend to compare with the CPU: ${gpu.backend.reason}`);
  const cpu = await fitGenes(matrix, samples, inputs.formula, { ...options, backend: 'cpu' });
  const comparison = compareResults(matrix.geneIds, cpu.coefNames, cpu.results, gpu.results, { rlrtNsim: options.rlrtExact });
  const report = gpu.gpu;
  process.stdout.write(`${[
    `genelmm compare: ${matrix.nGenes} genes, ${inputs.formula}`,
    `GPU: ${gpu.backend.name} on ${report ? describeAdapter(report.adapter) : gpu.backend.device}, fit ${gpu.timings.fitMs.toFixed(0)} ms` +
      (report ? `; ${report.gpuGenes} genes on the GPU, ${report.refinedGenes} refined in f64 on the CPU, ${report.cpuGenes} on the CPU` +
        (report.failure ? ` (${report.failure})` : '') : ''),
    `CPU: ${cpu.backend.device}, fit ${cpu.timings.fitMs.toFixed(0)} ms`,
    '',
    formatComparison(comparison),
  ].join('\n')}\n`);
  return comparison;
}
