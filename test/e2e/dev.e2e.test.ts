import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../cli/doctor/run-doctor.js';
import { rootPostgresHome } from '../../cli/dev/run-dev.js';
import { freePort, portAccepts } from '../../cli/local-stack/index.js';
import { runOps, startOps } from '../helpers/ops-cli.js';

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
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: '/nonexistent', NEW_RELIC_ENABLED: 'false' };
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
    } finally {
      expect(await first.stop('SIGINT')).toBe(0);
    }
    for (const port of Object.values(ports)) expect(await portAccepts(port), `port ${port} closed`).toBe(false);

    const second = startOps(args, env);
    try {
      await second.waitFor(/ready: try `ops doctor`/, 120_000);
      const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
      try {
        const described = await new Client({ connection }).workflow.getHandle(workflowId).describe();
        expect(described.status.name).toBe('COMPLETED');
      } finally {
        await connection.close();
      }
    } finally {
      expect(await second.stop('SIGINT')).toBe(0);
    }
  }, 300_000);
});
