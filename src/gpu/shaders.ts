import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

const cache = new Map<string, string>();

/** The text of `shaders/<name>.wgsl`, read once. */
export function shaderSource(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(PACKAGE_ROOT, 'shaders', `${name}.wgsl`), 'utf8');
    cache.set(name, text);
  }
  return text;
}
