import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

// Installs live outside the repo so every clone on this machine reuses them.
export function cacheDir(): string {
  const explicit = process.env['LIFECYCLE_OPS_CACHE'];
  const xdg = process.env['XDG_CACHE_HOME'];
  const dir = explicit
    ? resolve(explicit)
    : join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'lifecycle-ops');
  mkdirSync(dir, { recursive: true });
  return dir;
}
