/** The browser twin of src/gpu/shaders.ts: the WGSL programs of shaders/, bundled as strings by Vite. */
import type * as NodeShaders from '../../../src/gpu/shaders.js';

const sources = import.meta.glob<string>('../../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true });

export const shaderSource: typeof NodeShaders.shaderSource = (name) => {
  const text = sources[`../../../shaders/${name}.wgsl`];
  if (text === undefined) throw new Error(`no shader named ${name} in the bundle`);
  return text;
};
