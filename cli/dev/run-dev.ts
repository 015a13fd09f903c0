import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../../common/config.js';
import { REQUIRED_SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import { runWorker } from '../../worker/run-worker.js';
import { CliError, EXIT } from '../exit-codes.js';
import { startMoto, startPostgres, startTemporalDevServer, stopAll, type Report } from '../local-stack/index.js';
import { formatTable } from '../output.js';

export interface DevOptions {
  dataDir: string;
  temporalPort: number;
  uiPort: number;
  databasePort: number;
  motoPort: number;
  /** A PostgreSQL server (from the system) instead of the embedded PGlite database. */
  postgres: boolean;
}

/** Everything on loopback: dev server (SQLite in dataDir), moto, the database (PGlite in dataDir, or a PostgreSQL server), and a worker. */
export async function runDev(config: Config, options: DevOptions, report: Report): Promise<void> {
  mkdirSync(options.dataDir, { recursive: true });
  await assertPortsFree({
    Temporal: options.temporalPort,
    'Temporal UI': options.uiPort,
    moto: options.motoPort,
    ...(options.postgres ? { PostgreSQL: options.databasePort } : {}),
  });
  try {
    const [temporal, moto, databaseUrl] = await Promise.all([
      startTemporalDevServer({
        dbFile: join(options.dataDir, 'temporal.sqlite'),
        port: options.temporalPort,
        uiPort: options.uiPort,
        ui: true,
        searchAttributes: REQUIRED_SEARCH_ATTRIBUTES,
        report,
      }),
      startMoto({ port: options.motoPort, report }),
      options.postgres
        ? startPostgres({ dataDir: postgresDataDir(options.dataDir, report), port: options.databasePort, report }).then((pg) => pg.databaseUrl)
        : Promise.resolve(`pglite://${join(options.dataDir, 'pglite')}`),
    ]).catch((err: Error) => {
      throw new CliError(`cannot start the local stack: ${err.message}`, EXIT.UNAVAILABLE);
    });
    const devConfig: Config = {
      ...config,
      temporal: { ...config.temporal, address: temporal.address, uiUrl: temporal.uiUrl ?? config.temporal.uiUrl },
      aws: { ...config.aws, endpoint: moto.endpoint },
      database: { ...config.database, url: databaseUrl, migrateOnStart: true },
    };
    // moto accepts any credentials; the SDK only needs some to sign with.
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    await runWorker(devConfig, {
      onReady: () => {
        const rows = [
          ['Temporal UI', devConfig.temporal.uiUrl],
          ['Temporal', `${temporal.address} (namespace ${devConfig.temporal.namespace})`],
          ['worker', `task queue ${devConfig.temporal.taskQueue}`],
          ['AWS (moto)', moto.endpoint],
          ['database', options.postgres ? databaseUrl : `embedded PGlite in ${join(options.dataDir, 'pglite')}`],
          ['data', options.dataDir],
        ];
        process.stdout.write(`${formatTable(['PART', 'WHERE'], rows)}\n\nready: try \`ops doctor\` in another terminal; Ctrl-C stops everything\n`);
      },
    });
  } finally {
    report('stopping the local stack');
    await stopAll();
  }
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as the postgres user, which cannot enter a
 * home folder like /root: its data then lives under /var/lib, one folder per ops dev data dir.
 */
function postgresDataDir(dataDir: string, report: Report): string {
  if (process.getuid?.() !== 0) return join(dataDir, 'postgres');
  const dir = rootPostgresHome(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync('/var/lib/lifecycle-ops', 0o755);
  report(`running as root: PostgreSQL data in ${dir}/postgres (the postgres user cannot reach ${dataDir})`);
  return join(dir, 'postgres');
}

export function rootPostgresHome(dataDir: string): string {
  return join('/var/lib/lifecycle-ops', `dev-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
}

async function assertPortsFree(ports: Record<string, number>): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    if (await accepts(port)) {
      throw new CliError(`port ${port} (${name}) is already in use: is another \`ops dev\` running?`, EXIT.UNAVAILABLE);
    }
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
