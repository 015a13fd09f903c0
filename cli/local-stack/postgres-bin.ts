import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from './cache.js';
import { runChecked } from './exec.js';
import { withLock } from './lock.js';
import { defaultReport, type Report } from './report.js';
import { findOnPath, isExecutable } from './which.js';

const DEBIAN_ROOT = '/usr/lib/postgresql';

function hasServerBinaries(dir: string): boolean {
  return isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres'));
}

// Debian keeps server binaries off PATH, in /usr/lib/postgresql/<major>/bin: newest wins.
function findPostgresBin(): string | undefined {
  let versions: string[] = [];
  try {
    versions = readdirSync(DEBIAN_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    // not Debian-style, or not installed
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const dir = join(DEBIAN_ROOT, v, 'bin');
    if (hasServerBinaries(dir)) return dir;
  }
  const initdb = findOnPath('initdb');
  if (initdb && hasServerBinaries(dirname(initdb))) return dirname(initdb);
  return undefined;
}

// Directory holding initdb and postgres; installs the Debian package if missing
// and we are allowed to (root with apt-get).
export async function ensurePostgresBin(report: Report = defaultReport): Promise<string> {
  const found = findPostgresBin();
  if (found) return found;
  const aptGet = findOnPath('apt-get');
  if (process.getuid?.() !== 0 || !aptGet) {
    throw new Error(
      'PostgreSQL server binaries (initdb, postgres) not found; install PostgreSQL (e.g. `apt-get install postgresql`)',
    );
  }
  return withLock(
    join(cacheDir(), 'apt-postgresql.lock'),
    async () => {
      const again = findPostgresBin();
      if (again) return again;
      report('PostgreSQL not found: running apt-get update && apt-get install -y postgresql (first run only)');
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      await runChecked(aptGet, ['update'], { env });
      await runChecked(aptGet, ['install', '-y', '--no-install-recommends', 'postgresql'], { env });
      const installed = findPostgresBin();
      if (!installed) throw new Error(`apt-get installed postgresql but no server binaries were found under ${DEBIAN_ROOT}`);
      report(`installed PostgreSQL server binaries in ${installed}`);
      return installed;
    },
    { what: 'installing PostgreSQL with apt-get', report },
  );
}
