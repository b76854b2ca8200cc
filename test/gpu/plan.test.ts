/**
 * Batch and dispatch planning (src/gpu/plan.ts): pure functions, so these run on every machine, with or
 * without a GPU adapter.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdapterReport } from '../../src/gpu/device.js';
import { type BatchShape, bytesPerGene, dispatchSize, planBatches } from '../../src/gpu/plan.js';

/** WebGPU's maxComputeWorkgroupsPerDimension on every adapter we know of. */
const WORKGROUP_LIMIT = 65_535;
const WORKGROUP_SIZE = 64;

/**
 * How many times each gene is reached when the shaders recover the gene index as
 * gid.y · rowInvocations + gid.x over the whole dispatch (indices ≥ nGenes are the shaders' early return).
 */
function coverage(nGenes: number, workgroupSize: number, maxPerDimension: number): Uint8Array {
  const { x, y, rowInvocations } = dispatchSize(nGenes, workgroupSize, maxPerDimension);
  const hits = new Uint8Array(nGenes);
  for (let gy = 0; gy < y; gy++) {
    for (let gx = 0; gx < x * workgroupSize; gx++) {
      const g = gy * rowInvocations + gx;
      if (g < nGenes) hits[g]++;
    }
  }
  return hits;
}

function assertEachGeneOnce(nGenes: number, workgroupSize: number, maxPerDimension: number): void {
  const hits = coverage(nGenes, workgroupSize, maxPerDimension);
  const missed = hits.indexOf(0);
  const twice = hits.findIndex((h) => h > 1);
  assert.equal(missed, -1, `nGenes ${nGenes}, max ${maxPerDimension}: gene ${missed} is never reached`);
  assert.equal(twice, -1, `nGenes ${nGenes}, max ${maxPerDimension}: gene ${twice} is reached ${hits[twice]} times`);
}

describe('dispatchSize: one invocation per gene, folded into 2-D past the workgroup limit', () => {
  it('65,535 · 64 + 1 genes need a second row of workgroups under the real limit', () => {
    const nGenes = WORKGROUP_LIMIT * WORKGROUP_SIZE + 1;
    const size = dispatchSize(nGenes, WORKGROUP_SIZE, WORKGROUP_LIMIT);
    assert.deepEqual(size, { x: WORKGROUP_LIMIT, y: 2, rowInvocations: WORKGROUP_LIMIT * WORKGROUP_SIZE });
    assertEachGeneOnce(nGenes, WORKGROUP_SIZE, WORKGROUP_LIMIT);
  });

  it('exactly 65,535 · 64 genes fit one row', () => {
    assert.deepEqual(dispatchSize(WORKGROUP_LIMIT * WORKGROUP_SIZE, WORKGROUP_SIZE, WORKGROUP_LIMIT),
      { x: WORKGROUP_LIMIT, y: 1, rowInvocations: WORKGROUP_LIMIT * WORKGROUP_SIZE });
  });

  it('every gene is reached exactly once, folded or not, and no dimension passes the limit', () => {
    for (const nGenes of [1, 63, 64, 65, 128, 129, 300, 1000, 4097]) {
      for (const max of [1, 2, 3, 7, WORKGROUP_LIMIT]) {
        const { x, y } = dispatchSize(nGenes, WORKGROUP_SIZE, max);
        assert.ok(x <= max, `nGenes ${nGenes}, max ${max}: ${x} workgroups a row, within the limit`);
        // One fold suffices up to max² workgroups (65,535² · 64 genes under the real limit, beyond any batch).
        if (nGenes <= max * max * WORKGROUP_SIZE) assert.ok(y <= max, `nGenes ${nGenes}, max ${max}: ${y} rows, within the limit`);
        assert.ok(x * y * WORKGROUP_SIZE >= nGenes, `nGenes ${nGenes}, max ${max}: ${x} × ${y} workgroups hold every gene`);
        assertEachGeneOnce(nGenes, WORKGROUP_SIZE, max);
      }
    }
  });

  it('the 2-D case the GPU edge-case test runs (300 genes, at most 2 workgroups a row) folds into 2 × 3', () => {
    assert.deepEqual(dispatchSize(300, WORKGROUP_SIZE, 2), { x: 2, y: 3, rowInvocations: 128 });
  });
});

describe('planBatches: batches within the adapter\'s buffer limits, covering every gene', () => {
  const shape: BatchShape = { nObs: 120, p: 2, nGroups: 40, maxSize: 3 };
  const widest = Math.max(...Object.values(bytesPerGene(shape)));
  const limitsFor = (bytes: number, bufferBytes = bytes): AdapterReport['limits'] => ({
    maxStorageBufferBindingSize: bytes,
    maxBufferSize: bufferBytes,
    maxComputeWorkgroupsPerDimension: WORKGROUP_LIMIT,
    maxComputeInvocationsPerWorkgroup: 256,
  });

  /** Asserts batches of at most k genes that add up to nGenes, every per-gene buffer within `bytes`. */
  function assertPlan(batches: number[], nGenes: number, k: number, bytes: number): void {
    assert.equal(batches.reduce((a, b) => a + b, 0), nGenes, `batches ${batches.join(', ')} cover all ${nGenes} genes`);
    assert.ok(batches.every((b) => Number.isInteger(b) && b >= 1 && b <= k), `every batch of ${batches.join(', ')} holds 1 to ${k} genes`);
    for (const b of batches) {
      for (const [buffer, perGene] of Object.entries(bytesPerGene(shape))) {
        assert.ok(b * perGene <= bytes, `a batch of ${b} genes: buffer ${buffer} (${b * perGene} bytes) within ${bytes}`);
      }
    }
    assert.equal(batches.length, Math.ceil(nGenes / k), `no more batches than needed: ${batches.join(', ')}`);
  }

  it('a binding limit that fits only k genes gives batches of at most k', () => {
    for (const k of [1, 7, 64]) {
      const bytes = k * widest + widest - 1; // room for k genes, not k + 1
      for (const nGenes of [1, k, k + 1, 10 * k + 3]) assertPlan(planBatches(nGenes, shape, limitsFor(bytes)), nGenes, k, bytes);
    }
  });

  it('maxBufferSize limits batches as the binding size does', () => {
    const bytes = 5 * widest;
    assertPlan(planBatches(23, shape, limitsFor(1 << 30, bytes)), 23, 5, bytes);
  });

  it('maxBatchGenes caps batches below what memory allows', () => {
    assertPlan(planBatches(300, shape, limitsFor(1 << 30), 37), 300, 37, 1 << 30);
  });

  it('no genes, no batches', () => {
    assert.deepEqual(planBatches(0, shape, limitsFor(1 << 30)), []);
  });
});
