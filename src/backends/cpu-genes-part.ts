import type { FitContext, GenePreparer, ReadyGene } from '../model/prepare.js';
import type { RunPreparer } from '../model/run-preparer.js';
import { copyResults, sliceResults } from '../results/gene-results.js';
import { allocateRunResults, fitBlockCpu, storeSkipped } from './cpu-kernel.js';
import type { DevicePart, PartColumns } from './webgpu-host.js';

/**
 * A WebGPU part some of whose genes its host fits on the CPU, by the CPU path's own code, while the device works on
 * the next batch (the kinship's genes with missing values, the several-terms genes whose X loses rank): the kinship
 * and several-terms hosts build their parts so.
 */
export interface CpuGenesPart<Packed> extends DevicePart<Packed> {
  /** The part's genes (their places in it) fitted on the CPU at its finish. */
  onCpu: number[];
}

/**
 * A new part of `nGenes` genes of `values` ([nGenes × nSamples], raw), each prepared in f64: a gene not fitted is
 * stored in the part's results at once, and `take` gets each ready gene (its place, and the gene, valid until the
 * next) to pack for the device (part.packed) or to keep for the CPU (part.onCpu).
 */
export function preparedPart<P extends { n: number; columns: Int32Array }, Packed>(context: FitContext, values: Float64Array, nGenes: number, preparer: GenePreparer<P>,
  take: (part: CpuGenesPart<Packed>, gene: number, ready: ReadyGene<P>) => void): CpuGenesPart<Packed> {
  const nSamples = nGenes > 0 ? values.length / nGenes : 0;
  const part: CpuGenesPart<Packed> = { values, nSamples, packed: [], results: allocateRunResults(context, nGenes), onCpu: [] };
  for (let g = 0; g < nGenes; g++) {
    const prepared = preparer.prepare(values.subarray(g * nSamples, (g + 1) * nSamples));
    if (prepared.status !== 'ready') storeSkipped(part.results, g, prepared);
    else take(part, g, prepared);
  }
  return part;
}

/**
 * A prepared part's upload (`columns`, [nObs × nGenes] sample-major, its packed genes' in [0, packed)); where none of
 * its genes went to the device, its CPU genes are fitted at once.
 */
export function partUpload<Packed>(context: FitContext, part: CpuGenesPart<Packed>, columns: Float32Array, nGenes: number,
  preparer: RunPreparer): { part: CpuGenesPart<Packed>; upload: PartColumns } {
  const cpuGenes = part.onCpu.length;
  if (part.packed.length === 0) fitGenesOnCpu(context, part, part.onCpu.splice(0), preparer);
  return { part, upload: { columns, capacity: nGenes, count: part.packed.length, cpuGenes } };
}

/** Fits genes `genes` of a part on the CPU (fitBlockCpu: a kinship's rotations 16 genes at a time) into the part's results. */
export function fitGenesOnCpu(context: FitContext, part: DevicePart<unknown>, genes: number[], preparer: RunPreparer): void {
  if (genes.length === 0) return;
  const { nSamples } = part;
  const values = new Float64Array(genes.length * nSamples);
  genes.forEach((g, j) => values.set(part.values.subarray(g * nSamples, (g + 1) * nSamples), j * nSamples));
  const fitted = fitBlockCpu(context, values, genes.length, preparer);
  genes.forEach((g, j) => copyResults(sliceResults(fitted, j, j + 1), part.results, g));
}
