import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envFor, runOps, startOps } from '../helpers/ops-cli.js';
import { createTestDatabase, testConfig } from '../helpers/stack.js';

describe('ops worker (subprocess)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('migrates the database at start, polls, and exits 0 on SIGTERM', async () => {
    const config = testConfig({ database: { url: database.url } });
    const worker = startOps(['worker', '--shutdown-grace', '5'], envFor(config, { OPS_LOG_LEVEL: 'info' }));
    await worker.waitFor(/worker polling/);
    expect(worker.output()).toMatch(/database migrations applied/);
    const doctor = await runOps(['doctor', '--json'], envFor(config));
    expect(doctor.code).toBe(0);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.output()).toMatch(/worker stopped/);
  });

  it('exits non-zero with a clear message when the database cannot be reached for migrations', async () => {
    const config = testConfig({ database: { url: 'postgres://postgres@127.0.0.1:9/ops' } });
    const result = await runOps(['worker'], envFor(config));
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/^ops: cannot migrate the database at postgres:\/\/postgres@127\.0\.0\.1:9\/ops: .*ECONNREFUSED/m);
  });
});
