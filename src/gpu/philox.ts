import { PHILOX_M0, PHILOX_M1, PHILOX_ROUNDS, PHILOX_TAG_BOOTSTRAP, PHILOX_TAG_CHISQ, PHILOX_TAG_NORMAL, PHILOX_W0,
  PHILOX_W1 } from '../stats/philox.js';
import type { GpuProgram } from './program.js';

/**
 * shaders/philox.wgsl's constants, from src/stats/philox.ts: Philox4x32-10's multipliers, key increments and rounds,
 * and the tags that set the streams apart (counter word 2).
 */
export const PHILOX_CONSTANTS: GpuProgram['constants'] = {
  PHILOX_M0: ['u32', PHILOX_M0],
  PHILOX_M1: ['u32', PHILOX_M1],
  PHILOX_W0: ['u32', PHILOX_W0],
  PHILOX_W1: ['u32', PHILOX_W1],
  PHILOX_ROUNDS: ['u32', PHILOX_ROUNDS],
  PHILOX_TAG_NORMAL: ['u32', PHILOX_TAG_NORMAL],
  PHILOX_TAG_CHISQ: ['u32', PHILOX_TAG_CHISQ],
  PHILOX_TAG_BOOTSTRAP: ['u32', PHILOX_TAG_BOOTSTRAP],
};
