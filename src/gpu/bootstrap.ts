/// <reference types="@webgpu/types" />
import { bootstrapGeneOnCpu, type BootstrapModel, bootstrapModelOf, type BootstrapReport, bootstrapReplicate,
  bootstrapScratch, bootstrapWork, storeBootstrapIntervals } from '../simulation/bootstrap.js';
import { errorText } from '../errors.js';
import { UPPER_LAMBDA } from '../model/lambda-search.js';
import { groupSizeRange } from '../model/design.js';
import type { FitContext } from '../model/prepare.js';
import { fittedGenes } from '../simulation/fitted-genes.js';
import { profileAt } from '../model/reml.js';
import type { GeneResults } from '../results/gene-results.js';
import { philoxKey } from '../stats/philox.js';
import type { GpuContext } from './device.js';
import { encodeFitPrograms, uploadFitConstants } from './fit-programs.js';
import { MISSING_F32, SEARCH_METHOD, SEARCH_OUT, SEARCH_OUT_STRIDE } from './fit-declarations.js';
import { hostStats, polishLambda } from './host-finish.js';
import { type BatchShape, bytesPerGene, planBatches } from './plan.js';
import { PHILOX_CONSTANTS } from './philox.js';
import { encodeProgram, type GpuProgram } from './program.js';

/**
 * shaders/bootstrap-draw.wgsl (with philox.wgsl): the replicate responses y*, one invocation per (gene, replicate)
 * column.
 */
export const bootstrapDrawProgram: GpuProgram = {
  name: 'bootstrap-draw',
  shaders: ['philox', 'bootstrap-draw'],
  workgroupSize: 64,
  // The batch's genes, replicates per gene in it and its first replicate; the group levels L (residual draws are
  // numbered after the group draws); the seed's key.
  uniform: { struct: 'DrawParams', fields: [['nObs', 'u32'], ['nGenes', 'u32'], ['replicates', 'u32'], ['firstReplicate', 'u32'],
    ['nLevels', 'u32'], ['key0', 'u32'], ['key1', 'u32']] },
  bindings: [
    { name: 'fitted', element: 'f32', access: 'read', doc: '[nGenes × nObs] (fitted − c) / d, MISSING where absent' },
    { name: 'sigma', element: 'f32', access: 'read', doc: '[nGenes × 2] σ̂_g / d, σ̂_e / d' },
    { name: 'geneIndex', element: 'u32', access: 'read', doc: '[nGenes] the gene\'s row of the whole matrix (its stream)' },
    { name: 'groupOf', element: 'u32', access: 'read', doc: '[nObs] group level of each design row' },
    { name: 'y', element: 'f32', access: 'read_write', doc: '[nObs × nGenes·replicates], sample-major' },
  ],
  constants: { ...PHILOX_CONSTANTS, MISSING: ['f32', MISSING_F32] },
};

/** What a GPU bootstrap did beyond the CPU's report. */
export interface GpuBootstrapReport extends BootstrapReport {
  /** Replicates refitted in f64 on the CPU from the same draws, because the f32 search did not settle them. */
  refinedReplicates: number;
  /** Genes bootstrapped on the CPU: columns aliased on their rows, and every gene left when the device failed. */
  cpuGenes: number;
  batches: number;
  /** Why the GPU stopped being used (a lost device, an error), when it did; the genes left went to the CPU. */
  failure: string | null;
}

/** Test hooks and limits of bootstrapOnGpu. */
export interface GpuBootstrapOptions {
  /** Workgroups per dispatch dimension before folding into 2-D. */
  maxPerDimension: number;
  /** (gene, replicate) columns per batch at most (default: what the device's limits allow). */
  maxBatchColumns?: number;
  /** Test hook: lose the device after submitting this many batches, as a driver reset would. */
  loseDeviceAfterBatches?: number;
}

/** One gene of the bootstrap: its model, and the centring c and scale d of its columns on the GPU. */
interface GeneModel {
  gene: number;
  model: BootstrapModel;
  shift: number;
  scale: number;
}

/**
 * The parametric bootstrap of parametricBootstrap (src/simulation/bootstrap.ts) with the replicates drawn and refitted on
 * the GPU: the same Philox draws, then the same six fit programs as the fit itself (encodeFitPrograms) on
 * (gene, replicate) columns, finished on the host in f64 as the fit is (hostStats, polishLambda, profileAt); a
 * column that fails the fit's f64 checks is refitted on the CPU from the same draws (bootstrapReplicate). When the
 * device fails (lost, an error), the chunk of genes in flight and every one after it are bootstrapped on the CPU
 * (bootstrapGeneOnCpu, the f64 reference) and report.failure says why: no gene is lost.
 */
export async function bootstrapOnGpu(gpu: GpuContext, context: FitContext, values: Float64Array, nSamples: number,
  results: GeneResults, B: number, seed: number, options: GpuBootstrapOptions,
  onProgress?: (genesDone: number, genesTotal: number) => void): Promise<GpuBootstrapReport> {
  const { design } = context;
  const { device } = gpu;
  const { maxPerDimension } = options;
  const key = philoxKey(seed);
  const report: GpuBootstrapReport = { genes: 0, failedReplicates: 0, refinedReplicates: 0, cpuGenes: 0, batches: 0, failure: gpu.failure };
  const models: GeneModel[] = [];
  const scratch = bootstrapScratch(B);
  for (const { gene: g, ready } of fittedGenes(context, values, nSamples, results)) {
    const { pattern } = ready;
    const model = bootstrapModelOf(context, ready, g, results);
    report.genes++;
    if (pattern.p < design.p) {
      // The GPU programs fit every design column; this gene's rows alias one, so it is bootstrapped on the CPU.
      report.failedReplicates += bootstrapGeneOnCpu(model, key, B, scratch, results);
      report.cpuGenes++;
      continue;
    }
    let shift = 0;
    if (design.interceptColumn >= 0) {
      for (const f of model.fitted) shift += f;
      shift /= model.fitted.length;
    }
    models.push({ gene: g, model, shift, scale: Math.hypot(model.sigmaG, model.sigmaE) || 1 });
  }

  const shape: BatchShape = {
    nObs: design.nObs, p: design.p, nGroups: design.randomTerms[0].levels.length,
    maxSize: groupSizeRange(design).largest,
  };
  const columns = planBatches(Math.max(1, models.length * B), shape, gpu.adapter.limits, options.maxBatchColumns)[0];
  const replicatesPerBatch = Math.min(B, columns);
  const genesPerBatch = Math.max(1, Math.floor(columns / replicatesPerBatch));
  const { buffers: constants, scaling } = uploadFitConstants(device, design);
  const per = bytesPerGene(shape);
  const outBytes = SEARCH_OUT_STRIDE * 4;
  const columnBytes = per.stats + per.counts + outBytes + per.beta;
  const storage = (data: ArrayBufferView<ArrayBuffer>): GPUBuffer => {
    const buffer = device.createBuffer({ size: Math.max(4, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  };
  /** Bootstraps one chunk of genes on the GPU; its replicate counts are added to the report only once it completed. */
  const chunkOnGpu = async (chunk: GeneModel[]): Promise<void> => {
    const counts = { refined: 0, failed: 0 };
    const fittedScaled = new Float32Array(chunk.length * design.nObs).fill(MISSING_F32);
    chunk.forEach(({ model, shift, scale }, k) => {
      model.pattern.rows.forEach((row, i) => {
        fittedScaled[k * design.nObs + row] = (model.fitted[i] - shift) / scale;
      });
    });
    const inputs = [
      storage(fittedScaled),
      storage(Float32Array.from(chunk.flatMap(({ model, scale }) => [model.sigmaG / scale, model.sigmaE / scale]))),
      storage(Uint32Array.from(chunk, ({ model }) => model.streamGene)),
    ];
    const [fitted, sigma, geneIndex] = inputs;
    const perGene = chunk.map(() => ({ h2: new Float64Array(B), sigma2G: new Float64Array(B), sigma2E: new Float64Array(B), count: 0 }));
    try {
      for (let firstReplicate = 0; firstReplicate < B; firstReplicate += replicatesPerBatch) {
        const replicates = Math.min(replicatesPerBatch, B - firstReplicate);
        const n = chunk.length * replicates;
        const y = device.createBuffer({ size: n * design.nObs * 4, usage: GPUBufferUsage.STORAGE });
        const encoder = device.createCommandEncoder({ label: 'genelmm bootstrap' });
        const uniform = encodeProgram(device, encoder, bootstrapDrawProgram, n, { nObs: design.nObs, nGenes: chunk.length, replicates,
          firstReplicate, nLevels: design.randomTerms[0].levels.length, key0: key[0], key1: key[1] },
        { fitted, sigma, geneIndex, groupOf: constants.groupOf, y }, maxPerDimension);
        const fit = encodeFitPrograms(device, encoder, shape, n, y, constants, maxPerDimension);
        const staging = device.createBuffer({ size: n * columnBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        let at = 0;
        for (const [buffer, bytes] of [[fit.stats, per.stats], [fit.counts, per.counts], [fit.out, outBytes], [fit.beta, per.beta]] as const) {
          encoder.copyBufferToBuffer(buffer, 0, staging, at, n * bytes);
          at += n * bytes;
        }
        device.queue.submit([encoder.finish()]);
        report.batches++;
        if (options.loseDeviceAfterBatches === report.batches) device.destroy();
        try {
          await staging.mapAsync(GPUMapMode.READ);
          if (gpu.failure) throw new Error(gpu.failure);
          const data = new Float32Array(staging.getMappedRange().slice(0));
          staging.unmap();
          const region = (start: number, bytes: number, column: number): Float32Array =>
            data.subarray((start + column * bytes) / 4, (start + (column + 1) * bytes) / 4);
          chunk.forEach(({ model, shift, scale }, k) => {
            const acc = perGene[k];
            const packed = { pattern: model.pattern, shift, scale };
            let work: ReturnType<typeof bootstrapWork> | undefined;
            for (let r = 0; r < replicates; r++) {
              const c = k * replicates + r;
              const out = region(n * (per.stats + per.counts), outBytes, c);
              // The fit's own finish: the column's statistics in f64, λ̂ polished by f64 Newton steps (host-finish.ts).
              const stats = hostStats(packed, region(0, per.stats, c), region(n * per.stats, per.counts, c),
                region(n * (per.stats + per.counts + outBytes), per.beta, c).subarray(0, shape.p), scaling);
              const lambda = stats === undefined ? 'group sizes differ from the host'
                : polishLambda(stats, out[SEARCH_OUT.lambda], out[SEARCH_OUT.converged] === 1 && out[SEARCH_OUT.method] !== SEARCH_METHOD.golden);
              const profile = stats !== undefined && typeof lambda === 'number' && lambda <= UPPER_LAMBDA ? profileAt(stats, lambda) : undefined;
              let estimate: { h2: number; sigma2G: number; sigma2E: number };
              if (typeof lambda === 'number' && profile !== undefined && profile.r > 0) {
                const sigma2E = profile.sigma2E * stats!.scale ** 2; // on y's scale (GeneStats.scale)
                estimate = { h2: lambda / (1 + lambda), sigma2G: lambda * sigma2E, sigma2E };
              } else {
                counts.refined++;
                work ??= bootstrapWork(model);
                estimate = bootstrapReplicate(model, key, firstReplicate + r, work);
              }
              if (Number.isNaN(estimate.h2)) {
                counts.failed++;
                continue;
              }
              acc.h2[acc.count] = estimate.h2;
              acc.sigma2G[acc.count] = estimate.sigma2G;
              acc.sigma2E[acc.count++] = estimate.sigma2E;
            }
          });
        } finally {
          [y, uniform, staging, ...fit.all].forEach((b) => b.destroy());
        }
      }
    } finally {
      inputs.forEach((b) => b.destroy());
    }
    if (gpu.failure) throw new Error(gpu.failure); // a device lost after the readback: the chunk is redone on the CPU
    chunk.forEach(({ gene }, k) => storeBootstrapIntervals(results, gene, perGene[k].h2, perGene[k].sigma2G, perGene[k].sigma2E, perGene[k].count));
    report.refinedReplicates += counts.refined;
    report.failedReplicates += counts.failed;
  };
  let done = report.cpuGenes;
  onProgress?.(done, report.genes);
  try {
    for (let first = 0; first < models.length; first += genesPerBatch) {
      const chunk = models.slice(first, first + genesPerBatch);
      if (report.failure === null) {
        try {
          await chunkOnGpu(chunk);
        } catch (e) {
          // A lost device rejects mapAsync with an empty AbortError; the loss itself says why.
          report.failure = gpu.failure ?? errorText(e);
        }
      }
      if (report.failure !== null) {
        for (const { model } of chunk) report.failedReplicates += bootstrapGeneOnCpu(model, key, B, scratch, results);
        report.cpuGenes += chunk.length;
      }
      done += chunk.length;
      onProgress?.(done, report.genes);
    }
  } finally {
    Object.values(constants).forEach((b) => b.destroy());
  }
  return report;
}
