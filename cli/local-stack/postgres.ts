import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { run, runChecked } from './exec.js';
import { LOOPBACK, freePort, portAccepts } from './ports.js';
import { ensurePostgresBin } from './postgres-bin.js';
import { defaultReport, type Report } from './report.js';
import { ServiceProcess, waitUntilReady, type RunningService } from './service.js';
import { makeRunDir } from './tempdir.js';

export const DATABASE_NAME = 'ops';

interface OsUser {
  uid: number;
  gid: number;
}

// PostgreSQL refuses to run as root: then initdb and postgres run as the `postgres` OS user.
async function serverUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = await runChecked('id', ['-u', 'postgres']).catch(() => undefined);
  const gid = await runChecked('id', ['-g', 'postgres']).catch(() => undefined);
  if (!uid || !gid) {
    throw new Error('running as root, but there is no `postgres` OS user to run PostgreSQL as (PostgreSQL refuses root)');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

// The server user must reach the dir through every parent (e.g. /root is 0700).
async function assertReachable(dir: string, user: OsUser): Promise<void> {
  const check = await run('sh', ['-c', 'test -r "$1" && test -w "$1" && test -x "$1"', 'sh', dir], user);
  if (check.code !== 0) {
    throw new Error(
      `PostgreSQL runs as the "postgres" OS user (we are root), and that user cannot access ${dir}: ` +
        'every parent directory must be searchable by it. Use a data dir outside e.g. /root, or `chmod o+x` its parents.',
    );
  }
}

async function queryable(port: number, database: string): Promise<boolean> {
  if (!(await portAccepts(port))) return false;
  const client = new pg.Client({ host: LOOPBACK, port, user: 'postgres', database, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(port: number, name: string): Promise<void> {
  const client = new pg.Client({ host: LOOPBACK, port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // 42P04: duplicate_database
  } finally {
    await client.end();
  }
}

// Starts PostgreSQL on 127.0.0.1. With dataDir the cluster persists (and is reused
// on the next start); without it, a throwaway cluster lives in a temp dir removed on stop.
export async function startPostgres(
  opts: { dataDir?: string; port?: number; report?: Report } = {},
): Promise<RunningService & { databaseUrl: string }> {
  const report = opts.report ?? defaultReport;
  const bin = await ensurePostgresBin(report);
  const user = await serverUser();
  const throwaway = opts.dataDir === undefined;
  // The run dir holds the unix socket (path must stay short) and, if throwaway, everything.
  const runDir = makeRunDir('pg');
  try {
    const dataDir = throwaway ? join(runDir.dir, 'data') : resolve(opts.dataDir!);
    const chown = (path: string) => {
      if (user) chownSync(path, user.uid, user.gid);
    };
    chown(runDir.dir);

    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      chmodSync(dataDir, 0o700);
      chown(dataDir);
      if (user) await assertReachable(dataDir, user);
      report(`initializing PostgreSQL cluster in ${dataDir}`);
      await runChecked(
        join(bin, 'initdb'),
        ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', ...(throwaway ? ['--no-sync'] : [])],
        { ...user, cwd: runDir.dir },
      );
    } else if (user) {
      await assertReachable(dataDir, user);
    }

    const port = opts.port ?? (await freePort());
    const logFile = throwaway ? join(runDir.dir, 'postgres.log') : join(dataDir, 'lifecycle-ops-postgres.log');
    // Durability only matters for a cluster that outlives this run.
    const speed = throwaway ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
    report(`starting PostgreSQL on ${LOOPBACK}:${port} (${throwaway ? 'throwaway' : `data in ${dataDir}`})`);
    const proc = new ServiceProcess({
      name: 'postgres',
      command: join(bin, 'postgres'),
      args: ['-D', dataDir, '-k', runDir.dir, '-c', `listen_addresses=${LOOPBACK}`, '-p', String(port), ...speed],
      logFile,
      cwd: runDir.dir,
      ...user,
      // SIGINT = "fast" shutdown; SIGTERM ("smart") would wait for every client to disconnect.
      stopSignal: 'SIGINT',
      cleanup: runDir.remove,
      cleanupSync: runDir.removeSync,
    });
    await waitUntilReady(proc, () => queryable(port, 'postgres'), 30_000);
    try {
      await ensureDatabase(port, DATABASE_NAME);
    } catch (err) {
      await proc.stop();
      throw new Error(`postgres started but creating database ${DATABASE_NAME} failed: ${(err as Error).message}`, { cause: err });
    }
    const databaseUrl = `postgres://postgres@${LOOPBACK}:${port}/${DATABASE_NAME}`;
    return { name: 'postgres', url: databaseUrl, databaseUrl, pid: proc.pid, stop: () => proc.stop() };
  } catch (err) {
    await runDir.remove();
    throw err;
  }
}
