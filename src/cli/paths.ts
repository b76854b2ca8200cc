import path from 'node:path';
import { EXAMPLE as FILES } from '../example.js';
import { PACKAGE_ROOT } from '../package-root.js';

/** The bundled example (src/example.ts) as the CLI runs it: files in the package, results in genelmm-example.tsv. */
export const EXAMPLE = {
  ...FILES,
  expr: path.join(PACKAGE_ROOT, FILES.expr),
  samples: path.join(PACKAGE_ROOT, FILES.samples),
  out: 'genelmm-example.tsv',
} as const;
