import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A per-run scratch dir (logs, throwaway data) removed when the service stops.
export function makeRunDir(prefix: string): { dir: string; remove: () => Promise<void>; removeSync: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `lifecycle-ops-${prefix}-`));
  return {
    dir,
    remove: () => rm(dir, { recursive: true, force: true, maxRetries: 3 }),
    removeSync: () => rmSync(dir, { recursive: true, force: true }),
  };
}
