import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { run } from './exec.js';
import { LOOPBACK, freePort, portAccepts } from './ports.js';
import { defaultReport, type Report } from './report.js';
import { ServiceProcess, waitUntilReady, type RunningService } from './service.js';
import { ensureTemporalCli } from './temporal-cli.js';
import { makeRunDir } from './tempdir.js';

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';


// TEMPORAL_ADDRESS, TEMPORAL_TLS, TEMPORAL_API_KEY… from the user's shell would point
// our CLI calls at some other cluster: they must talk to the server we started.
function localEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TEMPORAL_')) env[k] = v;
  return env;
}

// Ready = gRPC port open AND the custom search attributes are registered (they are
// added just after the frontend starts, and workflows fail without them).
async function searchAttributesReady(cli: string, address: string, names: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const res = await run(
    cli,
    ['operator', 'search-attribute', 'list', '--address', address, '--namespace', 'default', '-o', 'json'],
    { env, timeoutMs: 10_000 },
  );
  if (res.code !== 0) return false;
  const parsed = JSON.parse(res.stdout) as { customAttributes?: Record<string, string> };
  const custom = parsed.customAttributes ?? {};
  return names.every((n) => n in custom);
}

export async function startTemporalDevServer(
  opts: {
    dbFile?: string; // persistent if given, else in-memory
    port?: number;
    uiPort?: number;
    ui?: boolean; // default false = --headless
    searchAttributes?: Record<string, SearchAttributeType>; // registered at start; readiness waits for them
    report?: Report;
  } = {},
): Promise<RunningService & { address: string; uiUrl?: string }> {
  const report = opts.report ?? defaultReport;
  const cli = await ensureTemporalCli(report);
  const attributes = { ...opts.searchAttributes };
  for (const name of Object.keys(attributes)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid search attribute name: ${JSON.stringify(name)}`);
  }
  const port = opts.port ?? (await freePort());
  const ui = opts.ui ?? false;
  const uiPort = ui ? (opts.uiPort ?? (await freePort())) : undefined;
  const address = `${LOOPBACK}:${port}`;
  const runDir = makeRunDir('temporal');
  const dbFile = opts.dbFile === undefined ? undefined : resolve(opts.dbFile);
  if (dbFile) mkdirSync(dirname(dbFile), { recursive: true });
  // A persistent server keeps its log beside its data; a throwaway one in its run dir.
  const logFile = dbFile ? `${dbFile}.log` : join(runDir.dir, 'temporal.log');

  const args = [
    'server', 'start-dev',
    '--ip', LOOPBACK,
    '--port', String(port),
    '--namespace', 'default',
    ...Object.entries(attributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...(ui ? ['--ui-ip', LOOPBACK, '--ui-port', String(uiPort)] : ['--headless']),
    ...(dbFile ? ['--db-filename', dbFile] : []),
    '--log-level', 'warn',
  ];
  const env = localEnv();
  report(`starting Temporal dev server on ${address} (${dbFile ? `data in ${dbFile}` : 'in-memory'}${ui ? `, UI on http://${LOOPBACK}:${uiPort}` : ''})`);
  const proc = new ServiceProcess({
    name: 'temporal dev server',
    command: cli,
    args,
    logFile,
    cwd: runDir.dir,
    env,
    cleanup: runDir.remove,
    cleanupSync: runDir.removeSync,
  });
  const names = Object.keys(attributes);
  // 60 s: a first start extracts UI assets / migrates the sqlite file.
  await waitUntilReady(
    proc,
    async () =>
      (await portAccepts(port)) &&
      (uiPort === undefined || (await portAccepts(uiPort))) &&
      (await searchAttributesReady(cli, address, names, env)),
    60_000,
  );
  return {
    name: 'temporal',
    url: address,
    address,
    ...(uiPort !== undefined ? { uiUrl: `http://${LOOPBACK}:${uiPort}` } : {}),
    pid: proc.pid,
    stop: () => proc.stop(),
  };
}
