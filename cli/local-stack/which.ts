import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

// True for a regular file we may execute.
export function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// PATH scan in-process: shelling out to `which` is slower and not always installed.
export function findOnPath(name: string, pathValue = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of pathValue.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}
