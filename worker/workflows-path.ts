import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The workflow bundle's entry: compiled JS next to the built worker, TypeScript source under vitest. */
export function workflowsPath(): string {
  for (const ext of ['js', 'ts']) {
    const path = fileURLToPath(new URL(`../workflows/index.${ext}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('workflows/index not found next to the worker');
}
