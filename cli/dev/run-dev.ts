import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../../common/config.js';
import { REQUIRED_SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import { createLogger } from '../../worker/logger.js';
import { runWorker } from '../../worker/run-worker.js';
import { CliError, EXIT } from '../exit-codes.js';
import { LOCAL_OPS_ROLE_ARN, startMoto, startPostgres, startTemporalDevServer, stopAll, type Report } from '../local-stack/index.js';
import { addToAllowList, allowListEntry, createOperatorKeyFile, loadOperatorKey } from '../operator-key.js';
import type { OperatorKey } from '../../common/operator-signing.js';
import { formatTable } from '../output.js';
import { createDemoWorld } from './demo-world.js';

export interface DevOptions {
  dataDir: string;
  temporalPort: number;
  uiPort: number;
  databasePort: number;
  motoPort: number;
  /** A PostgreSQL server (from the system) instead of the embedded PGlite database. */
  postgres: boolean;
  /** Readable log lines instead of JSON (default: when stderr is a terminal). */
  logPretty?: boolean;
  /** Create in moto what examples/customers.yaml points at (default on). */
  demo?: boolean;
}

/** In dev, in-flight activities get this long after Ctrl-C (a production worker's grace is longer). */
const DEV_GRACE_SECONDS = 3;
/** After the grace, how long the worker may take to stop before everything is stopped without it. */
const DEV_STOP_MARGIN_MS = 3_000;
/** A forced stop waits this long for the servers to exit; the 'exit' hook kills what is left. */
const FORCE_STOP_MS = 3_000;

/** Everything on loopback: dev server (SQLite in dataDir), moto, the database (PGlite in dataDir, or a PostgreSQL server), and a worker. */
export async function runDev(config: Config, options: DevOptions, report: Report): Promise<void> {
  mkdirSync(options.dataDir, { recursive: true });
  const interrupts = handleInterrupts(report);
  try {
    await runStack(config, options, report, interrupts);
  } finally {
    interrupts.dispose();
  }
}

async function runStack(config: Config, options: DevOptions, report: Report, interrupts: Interrupts): Promise<void> {
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
    if (options.demo !== false) {
      const demo = await createDemoWorld(moto.endpoint, config.aws.region);
      report(`moto: created the walk-through's AWS resources (${demo.buckets} buckets, ${demo.objects} objects, ${demo.warehouses} warehouses) for examples/customers.yaml`);
    }
    const allowListFile = join(options.dataDir, 'operators.yaml');
    ensureDevOperator(config, allowListFile, report);
    const devConfig: Config = {
      ...config,
      operator: { ...config.operator, allowListFile },
      temporal: { ...config.temporal, address: temporal.address, uiUrl: temporal.uiUrl ?? config.temporal.uiUrl },
      aws: { ...config.aws, endpoint: moto.endpoint, opsRoleArn: devOpsRoleArn() },
      database: { ...config.database, url: databaseUrl, migrateOnStart: true },
      worker: { ...config.worker, shutdownGraceSeconds: Math.min(config.worker.shutdownGraceSeconds, DEV_GRACE_SECONDS) },
    };
    // moto accepts any credentials; the SDK only needs some to sign with.
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    interrupts.workerStarting();
    await runWorker(devConfig, {
      logger: createLogger(devConfig, { component: 'worker' }, { pretty: options.logPretty ?? Boolean(process.stderr.isTTY) }),
      onReady: () => {
        const rows = [
          ['Temporal UI', devConfig.temporal.uiUrl],
          ['Temporal', `${temporal.address} (namespace ${devConfig.temporal.namespace})`],
          ['worker', `task queue ${devConfig.temporal.taskQueue}`],
          ['AWS (moto)', moto.endpoint],
          ['database', options.postgres ? databaseUrl : `embedded PGlite in ${join(options.dataDir, 'pglite')}`],
          ['operators', `${allowListFile} (add one: ops operator init <id> --key-file <file> --approver --allow-list ${allowListFile})`],
          ['data', options.dataDir],
        ];
        process.stdout.write(`${formatTable(['PART', 'WHERE'], rows)}\n\nready: try \`ops doctor\` in another terminal; Ctrl-C stops everything\n`);
      },
    }).catch((err: unknown) => {
      // Once Ctrl-C asked everything to stop, a worker that loses its server on the way out has still stopped.
      if (!interrupts.stopping()) throw err;
      report(`the worker stopped with: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    });
  } finally {
    report('stopping the local stack');
    await stopAll();
  }
}

/**
 * The ops role of the local stack: the one its moto answers as for the dev credentials (access key `test`),
 * MOTO_OPS_ROLE_ARN if set (moto's launcher reads it from the environment it inherits from here). Not the
 * configured aws.opsRoleArn: a config pointing at production names a role moto never is, and the worker
 * would refuse to start.
 */
export function devOpsRoleArn(env: NodeJS.ProcessEnv = process.env): string {
  return env.MOTO_OPS_ROLE_ARN || LOCAL_OPS_ROLE_ARN;
}

/**
 * The local stack's operators: your own key (created on first use) is on the dev worker's allow-list, as an
 * approver, so the walk-through works at once; a second operator is added with `ops operator init`.
 */
function ensureDevOperator(config: Config, allowListFile: string, report: Report): void {
  let key: OperatorKey;
  if (existsSync(config.operator.keyFile)) {
    key = loadOperatorKey(config);
  } else {
    key = createOperatorKeyFile(config.operator.keyFile, config.operator.id);
    report(`created your operator key (${key.operator}) in ${config.operator.keyFile}`);
  }
  addToAllowList(allowListFile, allowListEntry(key, ['operator', 'approver']));
}

interface Interrupts {
  /** From here the worker drains on the first Ctrl-C; before, there is nothing to drain. */
  workerStarting(): void;
  /** A stop was asked for (Ctrl-C or SIGTERM). */
  stopping(): boolean;
  dispose(): void;
}

/**
 * `ops dev` owns Ctrl-C (SIGINT) and SIGTERM. The worker's runtime starts its graceful shutdown on the
 * same signal; this bounds it: a worker stuck in shutdown (an activity that ignores cancellation, a
 * Temporal server that no longer answers) must not keep the first Ctrl-C from stopping everything. Before
 * the worker runs, and on a second Ctrl-C, everything stops at once.
 */
function handleInterrupts(report: Report): Interrupts {
  let workerStarted = false;
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  const force = (why: string) => {
    clearTimeout(timer);
    report(`${why}: stopping everything now`);
    void Promise.race([stopAll(), new Promise((resolve) => setTimeout(resolve, FORCE_STOP_MS))]).finally(() => process.exit(EXIT.INTERRUPTED));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    count += 1;
    if (count > 1) return force(`${signal} again`);
    if (!workerStarted) return force(signal);
    const boundMs = DEV_GRACE_SECONDS * 1000 + DEV_STOP_MARGIN_MS;
    report(`${signal}: stopping; the worker has ${DEV_GRACE_SECONDS}s to finish its activities (Ctrl-C again to stop at once)`);
    timer = setTimeout(() => force(`the worker did not stop within ${Math.round(boundMs / 1000)}s`), boundMs);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const signal of signals) process.on(signal, onSignal);
  return {
    workerStarting: () => {
      workerStarted = true;
    },
    stopping: () => count > 0,
    dispose: () => {
      clearTimeout(timer);
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
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
