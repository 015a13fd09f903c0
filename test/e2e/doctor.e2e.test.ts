import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../cli/doctor/run-doctor.js';
import { envFor, runOps, startOps, type OpsProcess } from '../helpers/ops-cli.js';
import { createTestDatabase, testConfig, uniqueName } from '../helpers/stack.js';

describe('ops doctor, end to end (dev server + worker subprocesses)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let config: ReturnType<typeof testConfig>;
  let worker: OpsProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    config = testConfig({ database: { url: database.url } });
    worker = startOps(['worker'], envFor(config));
    await worker.waitFor(/worker polling/);
  });
  afterAll(async () => {
    await worker?.stop();
    await database?.drop();
  });

  it('reports every part healthy through the worker, with a link to the doctor workflow', async () => {
    const result = await runOps(['doctor', '--json'], envFor(config));
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(report.checks.map((c) => c.name)).toEqual([
      'temporal',
      'temporal namespace',
      'temporal search attributes',
      'worker polling',
      'aws identity',
      'aws s3',
      'aws redshift',
      'aws rds',
      'database',
      'database schema',
    ]);
    expect(report.workflow?.url).toMatch(/\/namespaces\/default\/workflows\/doctor%2F/);
    expect(result.code).toBe(0);

    const table = await runOps(['doctor'], envFor(config));
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^CHECK\s+STATUS\s+DETAIL\s+MS$/m);
    expect(table.stdout).toMatch(/^database schema\s+OK\s+version \d+ \(current\)/m);
    expect(table.stdout).toMatch(/\nhealthy\n$/);
  });

  it('fails clearly when no worker polls the task queue', async () => {
    const lonely = { ...config, temporal: { ...config.temporal, taskQueue: uniqueName('nobody') } };
    const result = await runOps(['doctor'], envFor(lonely));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/worker polling\s+FAIL\s+no worker is polling task queue "nobody_\w+" \(start one with: ops worker\)/);
    expect(result.stdout).toMatch(/^aws s3\s+SKIPPED/m);
    expect(result.stdout).toMatch(/UNHEALTHY/);
  });

  it('fails clearly when the database behind the worker is down', async () => {
    const downConfig = { ...testConfig(), database: { url: 'postgres://postgres@127.0.0.1:9/ops', migrateOnStart: false } };
    const downWorker = startOps(['worker'], envFor(downConfig));
    try {
      await downWorker.waitFor(/worker polling/);
      const result = await runOps(['doctor', '--json'], envFor(downConfig));
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as DoctorReport;
      expect(report.healthy).toBe(false);
      expect(report.checks.find((c) => c.name === 'database')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/ECONNREFUSED/) });
      expect(report.checks.find((c) => c.name === 'aws s3')?.status).toBe('ok');
    } finally {
      await downWorker.stop();
    }
  });

  it('fails clearly when Temporal is unreachable', async () => {
    const result = await runOps(['doctor'], envFor({ ...config, temporal: { ...config.temporal, address: '127.0.0.1:9' } }));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^temporal\s+FAIL/m);
    expect(result.stdout).toMatch(/^worker polling\s+SKIPPED\s+Temporal unreachable/m);
  });
});
