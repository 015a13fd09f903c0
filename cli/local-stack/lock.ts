import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Report } from './report.js';

// Cross-process lock so two `ops` processes installing into the same cache do not
// clash. mkdir is atomic on every local filesystem, so it is the lock primitive.

interface Owner {
  pid: number;
  host: string;
  token: string;
}

const OWNER_FILE = 'owner.json';
// A lock dir without an owner file is only a crash between mkdir and write: give it time.
const ORPHAN_GRACE_MS = 30_000;
// A lock held from another host cannot be probed by pid: only age tells it is stale.
const FOREIGN_HOST_STALE_MS = 60 * 60_000;

function readOwner(lockDir: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(join(lockDir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function isStale(lockDir: string, owner: Owner | undefined): boolean {
  if (!owner) return ageMs(lockDir) > ORPHAN_GRACE_MS;
  if (owner.host !== hostname()) return ageMs(lockDir) > FOREIGN_HOST_STALE_MS;
  return !pidAlive(owner.pid);
}

// Break a stale lock without stealing a fresh one a racing process just took:
// move it aside atomically, then check it is still the stale one we judged.
function breakStaleLock(lockDir: string, stale: Owner | undefined): void {
  const aside = `${lockDir}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(lockDir, aside);
  } catch {
    return; // someone else already moved it
  }
  const moved = readOwner(aside);
  if (moved?.token !== stale?.token) {
    try {
      renameSync(aside, lockDir); // not the one we judged: put it back
      return;
    } catch {
      // lockDir was re-taken meanwhile; nothing sane left to do but drop ours
    }
  }
  rmSync(aside, { recursive: true, force: true });
}

export interface LockOptions {
  what: string; // for the "waiting for …" message
  timeoutMs?: number;
  report?: Report;
}

export async function withLock<T>(lockDir: string, fn: () => Promise<T>, opts: LockOptions): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
  const deadline = Date.now() + timeoutMs;
  const me: Owner = { pid: process.pid, host: hostname(), token: `${process.pid}-${Date.now()}-${Math.random()}` };
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, OWNER_FILE), JSON.stringify(me));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(lockDir);
    if (isStale(lockDir, owner)) {
      breakStaleLock(lockDir, owner);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for lock ${lockDir} ` +
          `(held by pid ${owner?.pid ?? '?'}); remove it if that process is gone`,
      );
    }
    if (!told) {
      opts.report?.(`waiting for another process${owner ? ` (pid ${owner.pid})` : ''} ${opts.what}`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    return await fn();
  } finally {
    if (readOwner(lockDir)?.token === me.token) rmSync(lockDir, { recursive: true, force: true });
  }
}
