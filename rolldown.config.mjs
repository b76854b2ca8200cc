/**
 * The command line's bundle (`npm run build:bundle`): dist/bundle/genelmm.js, the CLI, dist/bundle/cpu-worker.js,
 * its worker threads, and dist/bundle/format-worker.js, its threads formatting the output table, from the built
 * dist/src, with their dependencies, so that starting the command or a worker loads a few modules instead of
 * hundreds. bin/genelmm.js runs it; the library (dist/src/index.js) is not bundled. Dawn's native addon (`webgpu`) and
 * gpu.js stay imports of their packages. The chunks sit in dist/bundle itself, so that PACKAGE_ROOT (two folders up)
 * and the worker's URL (beside the pool's code) resolve as in dist/src.
 */
export default {
  input: { genelmm: 'dist/src/cli/main.js', 'cpu-worker': 'dist/src/backends/cpu-worker.js', 'format-worker': 'dist/src/cli/format-worker.js' },
  platform: 'node',
  external: ['webgpu', 'gpu.js'],
  output: { dir: 'dist/bundle', cleanDir: true, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
};
