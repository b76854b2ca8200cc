/**
 * Time of the WebGPU kinship rotation (shaders/kinship-rotate.wgsl, ỹ = Uᵀ y): one dispatch over a batch of genes at
 * n samples, random Uᵀ and y, timed by timestamp queries where the adapter has them (else by the wall clock to the
 * queue's completion), three times after one warm-up; with the batch size the WebGPU backend would use
 * (KINSHIP_BATCH_BYTES), and the time all `genes` would take in such batches. Prints one JSON line. Run:
 * `npx tsc -p tsconfig.json && node dist/bench/kinship-rotate.js [n genes]` (default 500 40000); issue 12's GPU point
 * is `5000 40000`.
 */
import { acquireGpu, describeAdapter } from '../src/gpu/device.js';
import { KINSHIP_BATCH_BYTES, kinshipRotateProgram } from '../src/gpu/kinship-programs.js';
import { encodeProgram, uploadBuffer } from '../src/gpu/program.js';
import { DEFAULT_BATCH_GENES } from '../src/gpu/plan.js';

const [n, genes] = [Number(process.argv[2] ?? 500), Number(process.argv[3] ?? 40_000)];
const gpu = await acquireGpu();
if ('unavailable' in gpu) throw new Error(gpu.unavailable);
const { device, adapter } = gpu;
const batch = Math.min(genes, DEFAULT_BATCH_GENES, Math.floor(KINSHIP_BATCH_BYTES / (4 * n)));
let seed = 12345;
const random = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;
const rotation = uploadBuffer(device, Float32Array.from({ length: n * n }, random));
const y = uploadBuffer(device, Float32Array.from({ length: n * batch }, random));
const rotated = device.createBuffer({ size: 4 * n * batch, usage: GPUBufferUsage.STORAGE });
const timestamps = adapter.hasTimestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
const readback = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

/** One dispatch over the batch: its milliseconds, by timestamps or by the wall clock. */
async function once(): Promise<number> {
  const t = performance.now();
  const encoder = device.createCommandEncoder();
  const uniform = encodeProgram(device, encoder, kinshipRotateProgram, [batch, n], { nGenes: batch, nObs: n, p: 0, nClasses: n },
    { rotation, y, rotated }, adapter.limits.maxComputeWorkgroupsPerDimension,
    timestamps && { querySet: timestamps, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 });
  if (timestamps) {
    encoder.resolveQuerySet(timestamps, 0, 2, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, readback, 0, 16);
  }
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  const wall = performance.now() - t;
  uniform.destroy();
  if (!timestamps) return wall;
  await readback.mapAsync(GPUMapMode.READ);
  const [begin, end] = new BigUint64Array(readback.getMappedRange().slice(0));
  readback.unmap();
  return Number(end - begin) / 1e6;
}

await once();
const ms = [await once(), await once(), await once()];
const best = Math.min(...ms);
console.log(JSON.stringify({
  date: new Date().toISOString(), adapter: describeAdapter(adapter), timedBy: timestamps ? 'timestamps' : 'wall clock',
  n, batch, dispatchMs: ms.map((m) => Number(m.toFixed(3))), gflops: Number(((2 * n * n * batch) / (best * 1e6)).toFixed(1)),
  genes, allGenesMs: Number(((best * genes) / batch).toFixed(1)),
}));
device.destroy();
