import { join } from 'node:path';
import { LOOPBACK, freePort } from './ports.js';
import { defaultReport, type Report } from './report.js';
import { ServiceProcess, waitUntilReady, type RunningService } from './service.js';
import { motoLauncherPath } from './moto-launcher.js';
import { makeRunDir } from './tempdir.js';
import { ensureVenv } from './venv.js';
import { isExecutable } from './which.js';

// moto fakes the AWS APIs (S3, RDS, Redshift, STS) the activities call.
export async function ensureMotoServer(report: Report = defaultReport): Promise<string> {
  const venv = await ensureVenv(report);
  const path = join(venv.bin, 'moto_server');
  if (!isExecutable(path)) throw new Error(`moto_server missing from ${venv.bin}; delete ${venv.dir} to reinstall`);
  return path;
}

async function motoAnswers(endpoint: string): Promise<boolean> {
  const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status < 500;
}

export async function startMoto(
  opts: { port?: number; report?: Report } = {},
): Promise<RunningService & { endpoint: string }> {
  const report = opts.report ?? defaultReport;
  await ensureMotoServer(report);
  const venv = await ensureVenv(report);
  const port = opts.port ?? (await freePort());
  const run = makeRunDir('moto');
  const endpoint = `http://${LOOPBACK}:${port}`;
  report(`starting moto on ${endpoint}`);
  const proc = new ServiceProcess({
    name: 'moto',
    command: join(venv.bin, 'python'),
    args: [motoLauncherPath(), '-H', LOOPBACK, '-p', String(port)],
    logFile: join(run.dir, 'moto.log'),
    cwd: run.dir,
    cleanup: run.remove,
    cleanupSync: run.removeSync,
  });
  await waitUntilReady(proc, () => motoAnswers(endpoint), 30_000);
  return { name: 'moto', url: endpoint, endpoint, pid: proc.pid, stop: () => proc.stop() };
}
