import { criterionProgram, GROUP_CLASSES } from './criterion-classes.js';
import { SEARCH_OUT_CONSTANTS } from './fit-declarations.js';

/** shaders/reml-beta.wgsl: β̂(λ̂) added to β_ref after a search, and λ̂ as the next search's start. */
export const remlBetaProgram = criterionProgram(GROUP_CLASSES, 'reml-beta', [
  { name: 'out', element: 'f32', access: 'read', doc: 'the search\'s output' },
  { name: 'betaRef', element: 'f32', access: 'read_write', doc: '[nGenes × p]' },
  { name: 'start', element: 'f32', access: 'read_write', doc: '[nGenes] the next search\'s start' },
], SEARCH_OUT_CONSTANTS);
