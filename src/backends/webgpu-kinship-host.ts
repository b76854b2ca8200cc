import { basisRows, type KinshipPattern, rotatedSums } from '../model/kinship.js';
import { patternLeastSquares, takeFit } from '../model/least-squares.js';
import type { FitContext, GenePreparer } from '../model/prepare.js';
import { SEARCH_METHOD, SEARCH_OUT, SEARCH_OUT_STRIDE } from '../gpu/fit-declarations.js';
import { finishGpuFit } from '../gpu/host-finish.js';
import type { KinshipReadbackLayout } from '../gpu/kinship-programs.js';
import { kinshipStored, storeFit } from './cpu-kernel.js';
import { type CpuGenesPart, fitGenesOnCpu, partUpload, preparedPart } from './cpu-genes-part.js';
import type { PartColumns } from './webgpu-host.js';

/**
 * The WebGPU kinship fit's host work on one part of a batch, in f64, on the thread that holds the part (webgpu-host.ts
 * does the same for the group-size engine): prepareKinshipPart packs the genes without missing values for the device
 * and fits the rest on the CPU; finishKinshipPart turns the device's λ̂ and rotated values into estimates.
 */

/**
 * A gene of a part that goes to the device: its place in the part, its pattern, how its values were centred and
 * scaled, and the least-squares fit taken off them before they were rounded to f32 (in units of the scale).
 */
export interface PackedKinshipGene {
  gene: number;
  pattern: KinshipPattern;
  mean: number;
  shift: number;
  scale: number;
  fixed: Float64Array;
}

/** A kinship part: its packed genes, and the genes with missing values its finish fits on the CPU. */
export type KinshipDevicePart = CpuGenesPart<PackedKinshipGene>;

/**
 * Prepares a part's genes in f64 (statuses, NAs, transform). A gene observed on every row of the basis is centred
 * and scaled as kinship.ts' basisRows does, less its least-squares fit on X (so that f32 keeps its residual part,
 * which the criterion depends on, however much of it X explains), and packed in f32. Genes not fitted are stored at
 * once; a gene with missing values (its pattern adds an indicator column per missing row, which the device's fixed p
 * does not hold) is fitted on this thread by the CPU's own code (fitBlockCpu, the same numbers as the cpu backend)
 * when the part is finished, while the device works on the next batch; at once where no gene of the part goes to
 * the device.
 */
export function prepareKinshipPart(context: FitContext, values: Float64Array, nGenes: number, preparer: GenePreparer<KinshipPattern>):
  { part: KinshipDevicePart; upload: PartColumns } {
  const { design } = context;
  const n = design.nObs;
  const columns = new Float32Array(n * nGenes);
  const ys = new Float64Array(n);
  const part = preparedPart<KinshipPattern, PackedKinshipGene>(context, values, nGenes, preparer, (into, g, { pattern, y, mean }) => {
    const fit = patternLeastSquares(pattern);
    if (pattern.rows.length !== n || pattern.p !== design.p || fit === undefined) {
      into.onCpu.push(g);
      return;
    }
    const { shift, scale } = basisRows(pattern, y, ys);
    const fixed = takeFit(design, fit, ys);
    const k = into.packed.length;
    for (let i = 0; i < n; i++) columns[i * nGenes + k] = ys[i];
    into.packed.push({ gene: g, pattern, mean, shift, scale, fixed });
  });
  return partUpload(context, part, columns, nGenes, preparer);
}

/**
 * Turns the device's results of a part (its packed genes are the batch's columns from `first` on) into estimates: a
 * gene's statistics in f64 from its rotated values (rotatedSums), the device's λ̂ polished and the gene's
 * estimates at it (finishGpuFit), with the device's h2 interval where f64 confirms it. A gene whose f32 result fails
 * an f64 check is refitted on the CPU. Returns how many were.
 */
export function finishKinshipPart(context: FitContext, part: KinshipDevicePart, readback: Float32Array, layout: KinshipReadbackLayout,
  first: number, preparer: GenePreparer<KinshipPattern>): number {
  const n = context.design.nObs;
  const refit: number[] = [];
  const yRotated = new Float64Array(n);
  part.packed.forEach(({ gene, pattern, mean, shift, scale, fixed }, j) => {
    const k = first + j;
    for (let i = 0; i < n; i++) yRotated[i] = readback[layout.rotated + i * layout.genes + k];
    const o = layout.search + k * SEARCH_OUT_STRIDE;
    const lo = readback[layout.interval + 2 * k];
    // The statistics of the residual y − X b (taken off in f64 before f32, so rotatedGeneStats' check for a dominant
    // fixed part has nothing to find) are those of y with b added to β̂: the criterion does not change.
    const stats = rotatedSums(pattern, yRotated, shift, scale);
    for (let a = 0; a < fixed.length; a++) stats.betaOffset[a] += fixed[a];
    const fit = finishGpuFit(stats, {
      lambda: readback[o + SEARCH_OUT.lambda],
      converged: readback[o + SEARCH_OUT.converged] === 1 && readback[o + SEARCH_OUT.method] !== SEARCH_METHOD.golden,
      evaluations: readback[o + SEARCH_OUT.evaluations],
      interval: lo >= 0 ? { lo, hi: readback[layout.interval + 2 * k + 1] } : undefined,
    });
    if (typeof fit === 'string') refit.push(gene);
    else storeFit(part.results, gene, context, kinshipStored(pattern), mean, fit);
  });
  fitGenesOnCpu(context, part, [...part.onCpu, ...refit], preparer);
  return refit.length;
}

/** Fits a part's packed genes and its genes with missing values on the CPU, as its batch's device work failed. */
export function refitKinshipPart(context: FitContext, part: KinshipDevicePart, preparer: GenePreparer<KinshipPattern>): void {
  fitGenesOnCpu(context, part, [...part.onCpu, ...part.packed.map(({ gene }) => gene)], preparer);
}
