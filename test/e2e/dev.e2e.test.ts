import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../cli/doctor/run-doctor.js';
import { rootPostgresHome } from '../../cli/dev/run-dev.js';
import { freePort, portAccepts } from '../../cli/local-stack/index.js';
import { childProcesses, processAlive, runOps, startOps } from '../helpers/ops-cli.js';

describe('ops dev (subprocess)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-dev-'));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(rootPostgresHome(dataDir), { recursive: true, force: true });
  });

  it('starts the whole stack, passes doctor, stops on Ctrl-C, and finds its data again', async () => {
    const ports = { temporal: await freePort(), ui: await freePort(), db: await freePort(), moto: await freePort() };
    const args = ['dev', '--data-dir', dataDir, '--temporal-port', `${ports.temporal}`, '--ui-port', `${ports.ui}`, '--db-port', `${ports.db}`, '--moto-port', `${ports.moto}`];
    // Only what a user's shell would have: ops dev configures its own worker.
    // A new user has no operator key yet: ops dev creates it where the config says (here, in the test's folder).
    const keyFile = join(dataDir, 'keys', 'alice.json');
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: '/nonexistent', NEW_RELIC_ENABLED: 'false', OPS_OPERATOR: 'alice', OPS_OPERATOR_KEY: keyFile };
    const cliEnv = { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`, OPS_TEMPORAL_UI_URL: `http://127.0.0.1:${ports.ui}` };

    const first = startOps(args, env);
    let workflowId: string;
    try {
      await first.waitFor(/ready: try `ops doctor`/, 120_000);
      // The UI link comes first, so it is what a user sees.
      expect(first.output()).toMatch(new RegExp(`PART\\s+WHERE\\nTemporal UI\\s+http://127\\.0\\.0\\.1:${ports.ui}`));
      const doctor = await runOps(['doctor', '--json'], cliEnv);
      const report = JSON.parse(doctor.stdout) as DoctorReport;
      expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
      expect(doctor.code).toBe(0);
      workflowId = report.workflow!.workflowId;

      // The README's walk-through on the default embedded database, on the AWS resources ops dev created for the
      // example file: the customer is terminated and held (this once hung in `revoking`, the bucket lock holding
      // PGlite's only session), and the inventory still answers.
      expect(first.output()).toMatch(/moto: created the walk-through's AWS resources \(2 buckets, 15 objects, 3 warehouses\)/);
      const imported = await runOps(['customers', 'import', fileURLToPath(new URL('../../examples/customers.yaml', import.meta.url))], cliEnv);
      expect(imported.code, imported.stderr).toBe(0);
      const terminated = await runOps(['terminate-customer', 'acme', '--reason', 'contract ended', '--ticket', 'OPS-123', '--yes', '--json', '--timeout', '60s'], cliEnv, 90_000);
      expect(terminated.code, terminated.stderr).toBe(0);
      expect(JSON.parse(terminated.stdout)).toMatchObject({ status: { stage: 'held', terminatedBy: 'alice' } });
      const listed = await runOps(['customers', 'list', '--json'], cliEnv);
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: 'acme', stage: 'held' }), expect.objectContaining({ id: 'globex', stage: null })]);
    } finally {
      const code = await first.stop('SIGINT');
      expect(code, first.output().slice(-3000)).toBe(0);
    }
    for (const port of Object.values(ports)) expect(await portAccepts(port), `port ${port} closed`).toBe(false);

    const second = startOps([...args, '--log-pretty'], env);
    try {
      await second.waitFor(/ready: try `ops doctor`/, 120_000);
      // Readable log lines for a person, not JSON.
      expect(second.output()).toMatch(/^\d\d:\d\d:\d\d INFO {2}worker polling {2}address=127\.0\.0\.1:\d+ /m);
      expect(second.output()).not.toMatch(/^\{"level"/m);
      const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
      try {
        const described = await new Client({ connection }).workflow.getHandle(workflowId).describe();
        expect(described.status.name).toBe('COMPLETED');
      } finally {
        await connection.close();
      }
    } finally {
      const code = await second.stop('SIGINT');
      // On a failure, what ops dev said last is the evidence.
      expect(code, second.output().slice(-3000)).toBe(0);
    }
  }, 300_000);

  it('stops everything on the first Ctrl-C even when the worker cannot stop cleanly', async () => {
    const ports = { temporal: await freePort(), ui: await freePort(), moto: await freePort() };
    const stuckDir = mkdtempSync(join(tmpdir(), 'ops-dev-stuck-'));
    const args = ['dev', '--data-dir', stuckDir, '--temporal-port', `${ports.temporal}`, '--ui-port', `${ports.ui}`, '--moto-port', `${ports.moto}`];
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: '/nonexistent', NEW_RELIC_ENABLED: 'false', OPS_OPERATOR_KEY: join(dataDir, 'keys', 'ctrl-c.json') };
    const dev = startOps(args, env);
    const pid = dev.child.pid!;
    let children: { pid: number; comm: string }[] = [];
    let survivors: { pid: number; comm: string }[] | undefined;
    try {
      await dev.waitFor(/ready: try `ops doctor`/, 120_000);
      expect(dev.output()).toMatch(/^\{"level":30,.*"msg":"worker polling"/m); // not a terminal: JSON
      children = childProcesses(pid);
      const temporal = children.find((c) => c.comm === 'temporal');
      expect(temporal, JSON.stringify(children)).toBeDefined();
      // A Temporal server that no longer answers: the worker's graceful shutdown waits on it (30 s and more).
      process.kill(temporal!.pid, 'SIGSTOP');
      const started = Date.now();
      dev.child.kill('SIGINT'); // once, as a first Ctrl-C
      const code = await Promise.race([dev.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 60_000))]);
      expect(Date.now() - started, dev.output()).toBeLessThan(20_000);
      expect(code).toBe(130);
      expect(dev.output()).toMatch(/the worker did not stop within \d+s: stopping everything now/);
      survivors = children.filter((c) => processAlive(c.pid));
    } finally {
      await dev.stop('SIGKILL');
      for (const child of children) if (processAlive(child.pid)) process.kill(child.pid, 'SIGKILL');
      rmSync(stuckDir, { recursive: true, force: true });
    }
    expect(survivors, 'children of ops dev still running').toEqual([]);
    for (const port of Object.values(ports)) expect(await portAccepts(port), `port ${port} closed`).toBe(false);
  }, 300_000);
});
