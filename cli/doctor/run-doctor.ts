import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from '../../common/config.js';
import { runCheck, type HealthCheck } from '../../common/health.js';
import { connectClient } from '../../common/temporal-connection.js';
import { temporalUiLink, workflowIds } from '../../common/workflow-ids.js';
import { temporalChecks } from './temporal-checks.js';

export interface DoctorReport {
  healthy: boolean;
  checks: HealthCheck[];
  workflow?: { workflowId: string; runId: string; url: string };
}

// In the order the doctor workflow answers them, so a skipped run lists the same lines as a finished one.
const WORKER_SIDE = ['aws identity', 'aws s3', 'aws redshift', 'aws rds', 'database', 'database schema'];

/** Temporal first (from here), then AWS and the database through a doctor workflow on a worker. */
export async function runDoctor(config: Config, options: { timeoutSeconds: number }): Promise<DoctorReport> {
  let client: Client | undefined;
  const reach = await runCheck('temporal', async () => {
    client = await connectClient(config).catch((err: Error) => {
      throw new Error(`cannot reach ${config.temporal.address}: ${err.message}`);
    });
    const info = await client.connection.workflowService.getSystemInfo({});
    return `${config.temporal.address} (server ${info.serverVersion || 'unknown version'})`;
  });
  if (!client || reach.status !== 'ok') {
    return finish([reach, ...skip(['temporal namespace', 'temporal search attributes', 'worker polling', ...WORKER_SIDE], 'Temporal unreachable')]);
  }
  try {
    const checks = [reach, ...(await temporalChecks(client, config))];
    if (checks.some((c) => c.status !== 'ok')) {
      return finish([...checks, ...skip(WORKER_SIDE, 'needs a healthy Temporal and a polling worker')]);
    }
    const workflowId = workflowIds.doctor(randomUUID());
    const handle = await client.workflow.start('doctorWorkflow', {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      workflowExecutionTimeout: `${options.timeoutSeconds} seconds`,
    });
    const workflow = {
      workflowId,
      runId: handle.firstExecutionRunId,
      url: temporalUiLink(config.temporal.uiUrl, config.temporal.namespace, workflowId, handle.firstExecutionRunId),
    };
    try {
      const workerChecks = (await handle.result()) as HealthCheck[];
      return { ...finish([...checks, ...workerChecks]), workflow };
    } catch (err) {
      const failed: HealthCheck = { name: 'doctor workflow', status: 'fail', detail: (err as Error).message };
      return { ...finish([...checks, failed, ...skip(WORKER_SIDE, 'doctor workflow did not finish')]), workflow };
    }
  } finally {
    await client.connection.close();
  }
}

function skip(names: string[], why: string): HealthCheck[] {
  return names.map((name) => ({ name, status: 'skipped', detail: why }));
}

function finish(checks: HealthCheck[]): DoctorReport {
  return { healthy: checks.every((c) => c.status === 'ok'), checks };
}
