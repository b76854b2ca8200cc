import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file is dist/src/package-root.js once built): where shaders/ and data/ are. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
