import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Activities } from '../../../activities/s3/index.js';
import type { ClosableClients } from '../../../worker/clients.js';
import { inventoryDatabase } from '../../helpers/inventory.js';
import { clientsFor, testConfig } from '../../helpers/stack.js';
import { activityClient, bucketName, createBucket, OPS_ROLE_ARN, runIn, snapshot, type S3Activities } from './fixtures.js';

/**
 * A purge counts what it deletes as it goes (no census before); an attempt that dies after its DeleteObjects
 * must not take its page's count with it, or the certificate names less than was deleted.
 */
describe('purge counts survive a crashed attempt (moto + PostgreSQL)', () => {
  const bucket = bucketName('purge-crash');
  const target = { customerId: 'omega', bucket, prefix: 'omega/' };
  let inventory: Awaited<ReturnType<typeof inventoryDatabase>>;
  let clients: ClosableClients;
  let crashing: S3Client;
  let s3: S3Activities;
  let crashy: S3Activities;

  beforeAll(async () => {
    inventory = await inventoryDatabase([{ id: 'omega', name: 'Omega', organization: 'Omega', resources: [{ kind: 's3', bucket, prefix: 'omega/' }] }]);
    clients = clientsFor(testConfig({ database: { url: inventory.url } }));
    crashing = activityClient();
    // The worker dies right after S3 has done the DeleteObjects, before the activity can report it.
    crashing.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'DeleteObjectsCommand') throw new Error('worker crashed');
        return out;
      },
      { step: 'finalizeRequest', name: 'crash-after-delete' },
    );
    s3 = createS3Activities(clients, { opsRoleArn: OPS_ROLE_ARN, purgePageSize: 10 });
    crashy = createS3Activities({ s3: crashing, db: clients.db, sts: clients.sts }, { opsRoleArn: OPS_ROLE_ARN, purgePageSize: 10 });
    await createBucket(clients.s3, bucket);
    for (let i = 0; i < 25; i++) await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `omega/f-${String(i).padStart(2, '0')}`, Body: 'x'.repeat(i + 1) }));
  });
  afterAll(async () => {
    crashing?.destroy();
    await clients?.close();
    await inventory?.close();
  });

  it('the retry of a crashed page counts what the crashed attempt deleted; a later page does not count it again', async () => {
    const info = { activityId: 'purge-page-7', workflowExecution: { workflowId: 'lifecycle/omega', runId: 'run-1' } };
    await expect(runIn(new MockActivityEnvironment({ ...info, attempt: 1 }), crashy.purgeS3Page, target)).rejects.toThrow('worker crashed');
    expect((await snapshot(clients.s3, bucket, 'omega/')).size).toBe(15);

    // The retry finds the first page gone and counts it, with the page it deletes itself.
    const retried = await runIn(new MockActivityEnvironment({ ...info, attempt: 2 }), s3.purgeS3Page, target);
    expect(retried).toMatchObject({ deletedVersions: 20, deletedMarkers: 0, more: true });
    expect(retried.bytes).toBe(Array.from({ length: 20 }, (_, i) => i + 1).reduce((a, b) => a + b, 0));

    // The next page is another activity: the journal of the one before is not counted again.
    const next = await runIn(new MockActivityEnvironment({ ...info, activityId: 'purge-page-8', attempt: 1 }), s3.purgeS3Page, target);
    expect(next).toMatchObject({ deletedVersions: 5, more: false });
    expect(retried.deletedVersions + next.deletedVersions).toBe(25);
  });
});
