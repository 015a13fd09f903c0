import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecyclePolicyFrom } from '../../common/lifecycle-policy.js';
import { createActivities } from '../../activities/index.js';
import { migrate } from '../../activities/database/migrate.js';
import type { HealthCheck } from '../../common/health.js';
import { doctorWorkflow } from '../../workflows/doctor.js';
import { CLOSED_PORT_URL, clientsFor, createTestDatabase, stack, testConfig, timeSkippingEnv, uniqueName } from '../helpers/stack.js';

describe('doctorWorkflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    env = await timeSkippingEnv();
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await env?.teardown();
    await database?.drop();
  });

  async function runDoctor(config: ReturnType<typeof testConfig>): Promise<HealthCheck[]> {
    const clients = clientsFor(config);
    const taskQueue = uniqueName('doctor');
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: { codePath: stack().workflowBundlePath },
        activities: createActivities(clients, { opsRoleArn: config.aws.opsRoleArn!, operatorsFile: config.operator.allowListFile, lifecyclePolicy: lifecyclePolicyFrom(config) }),
      });
      return await worker.runUntil(
        env.client.workflow.execute(doctorWorkflow, { taskQueue, workflowId: uniqueName('doctor') }),
      );
    } finally {
      await clients.close();
    }
  }

  it('returns a healthy check for every part', async () => {
    const config = testConfig({ database: { url: database.url } });
    const clients = clientsFor(config);
    await migrate(clients.db);
    await clients.close();

    const checks = await runDoctor(config);
    expect(checks.map((c) => `${c.name}:${c.status}`)).toEqual([
      'aws identity:ok',
      'aws s3:ok',
      'aws redshift:ok',
      'aws rds:ok',
      'database:ok',
      'database schema:ok',
    ]);
  });

  it('completes with failed checks, without retrying, when AWS and the database are down', async () => {
    const checks = await runDoctor(
      testConfig({ aws: { endpoint: CLOSED_PORT_URL }, database: { url: 'postgres://postgres@127.0.0.1:9/none' } }),
    );
    expect(checks.map((c) => c.status)).toEqual(['fail', 'fail', 'fail', 'fail', 'fail', 'skipped']);
  });
});
