import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LifecycleStatus } from '../../common/lifecycle-messages.js';
import type { DeletionCertificate } from '../../common/manifest.js';
import { census, seedCustomer } from '../helpers/lifecycle.js';
import { envFor, runOps, startOps } from '../helpers/ops-cli.js';
import { testOperators } from '../helpers/operators.js';
import { clientsFor, createTestDatabase, testConfig, uniqueName } from '../helpers/stack.js';

describe('a worker killed in the middle of a purge (dev server, subprocesses)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let config: ReturnType<typeof testConfig>;
  let clients: ReturnType<typeof clientsFor>;
  const bucket = uniqueName('crash').replace(/_/g, '-');

  beforeAll(async () => {
    database = await createTestDatabase();
    config = testConfig({ database: { url: database.url } });
    clients = clientsFor(config);
  });
  afterAll(async () => {
    await clients?.close();
    await database?.drop();
  });

  it('resumes on a new worker and finishes with a correct certificate', async () => {
    // Tiny pages: the purge takes many activity calls, so the kill lands in the middle of it.
    const ops = testOperators();
    const workerEnv = envFor(config, { OPS_S3_PAGE_SIZE: '10', OPS_S3_PURGE_PAGE_SIZE: '10', OPS_OPERATORS_FILE: ops.allowListFile });
    const as = (operator: string) => envFor(config, { OPS_OPERATOR: operator, OPS_OPERATOR_KEY: ops.keyFiles[operator]! });
    let worker = startOps(['worker'], workerEnv);
    try {
      await worker.waitFor(/worker polling/);
      const seed = await seedCustomer(clients, bucket, { keys: 250 });
      const id = seed.customer.id;
      const file = join(mkdtempSync(join(tmpdir(), 'ops-crash-')), 'customer.yaml');
      writeFileSync(file, stringify([seed.customer]));
      expect((await runOps(['customers', 'import', file], as('alice'))).code).toBe(0);
      const before = await census(clients.s3, bucket, seed.prefix);

      expect((await runOps(['terminate-customer', id, '--reason', 'gdpr', '--hold', '30d', '--yes'], as('alice'))).code).toBe(0);
      expect((await runOps(['purge-customer', id, '--request-ref', 'GDPR-1', '--yes'], as('alice'))).code).toBe(0);
      expect((await runOps(['approve-purge', id, '--yes'], as('bob'))).code).toBe(0);

      // Wait until some, not all, of the data is gone; then kill the worker without warning.
      for (;;) {
        const now = await census(clients.s3, bucket, seed.prefix);
        if (now.versions + now.deleteMarkers < before.versions + before.deleteMarkers) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      worker.child.kill('SIGKILL');
      await worker.stop();
      const midway = await census(clients.s3, bucket, seed.prefix);
      expect(midway.versions + midway.deleteMarkers).toBeGreaterThan(0);

      worker = startOps(['worker'], workerEnv);
      await worker.waitFor(/worker polling/);
      const watched = await runOps(['status', id, '--watch', '--json'], as('carol'), 180_000);
      const last = JSON.parse(watched.stdout.trim().split('\n').pop()!) as LifecycleStatus;
      expect(last.stage).toBe('purged');

      expect(await census(clients.s3, bucket, seed.prefix)).toMatchObject({ versions: 0, deleteMarkers: 0 });
      const cert = JSON.parse((await runOps(['certificate', id, '--json'], as('carol'))).stdout) as DeletionCertificate;
      expect(cert.manifest.totals).toMatchObject({ objectVersions: before.versions, deleteMarkers: before.deleteMarkers });
      expect(cert.verification).toMatchObject({ s3Remaining: 0, warehouseRemaining: [] });
      expect(cert).toMatchObject({ requestedBy: 'alice', approvedBy: 'bob', requestRef: 'GDPR-1' });
    } finally {
      await worker.stop();
    }
  }, 300_000);
});
