import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeClustersCommand } from '@aws-sdk/client-redshift';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { liveAccess } from '../../activities/inventory/access.js';
import { readAudit, verifyAuditChain } from '../../activities/audit/audit-log.js';
import { getCertificate } from '../../activities/certificates.js';
import {
  approvePurgeUpdate,
  reinstateUpdate,
  requestPurgeUpdate,
  statusQuery,
  type LifecycleInput,
  type LifecycleStatus,
} from '../../common/lifecycle-messages.js';
import type { Stage } from '../../common/lifecycle.js';
import { customerLifecycleWorkflow } from '../../workflows/lifecycle/lifecycle-workflow.js';
import { addCustomers } from '../../activities/inventory/customers.js';
import { customerSchema } from '../../common/customer.js';
import { inventoryDatabase } from '../helpers/inventory.js';
import { bucketPolicy, census, seedCustomer, uniqueCustomerId } from '../helpers/lifecycle.js';
import { clientsFor, stack, testConfig, timeSkippingEnv, uniqueName } from '../helpers/stack.js';

const DAY = 86_400;

describe('customerLifecycleWorkflow (time-skipping server, real activities on moto + PostgreSQL)', () => {
  let env: TestWorkflowEnvironment;
  let inventory: Awaited<ReturnType<typeof inventoryDatabase>>;
  let clients: ReturnType<typeof clientsFor>;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueName('lifecycle');
  const bucket = uniqueName('shared').replace(/_/g, '-');

  beforeAll(async () => {
    env = await timeSkippingEnv();
    inventory = await inventoryDatabase();
    const config = testConfig({ database: { url: inventory.url } });
    clients = clientsFor(config);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: stack().workflowBundlePath },
      // Small pages, so a dozen keys already take several pages.
      activities: createActivities(clients, { opsRoleArn: config.aws.opsRoleArn, s3PageSize: 5 }),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await clients?.close();
    await inventory?.close();
    await env?.teardown();
  });

  async function seeded(keys = 12) {
    const seed = await seedCustomer(clients, bucket, { keys });
    await addCustomers(inventory.pool, [customerSchema.parse(seed.customer)]);
    return seed;
  }

  function start(customerId: string, overrides: Partial<LifecycleInput> & { historyLimit?: number } = {}): Promise<WorkflowHandle<typeof customerLifecycleWorkflow>> {
    return env.client.workflow.start(customerLifecycleWorkflow, {
      taskQueue,
      workflowId: `lifecycle/${customerId}`,
      args: [{ customerId, reason: 'contract ended', terminatedBy: 'alice', holdSeconds: 30 * DAY, archiveStorageClass: 'GLACIER', approvalWindowSeconds: 3 * DAY, ...overrides }],
    });
  }

  async function stageOf(handle: WorkflowHandle): Promise<Stage> {
    return (await handle.query(statusQuery)).stage;
  }

  async function until(handle: WorkflowHandle, stage: Stage, timeoutMs = 30_000): Promise<LifecycleStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await handle.query(statusQuery);
      if (status.stage === stage) return status;
      if (Date.now() > deadline) throw new Error(`still ${status.stage}, wanted ${stage}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('revokes access at once, holds 30 days, archives to Glacier, then purges on approval with a certificate', async () => {
    const seed = await seeded();
    const id = seed.customer.id;
    const before = await census(clients.s3, bucket, seed.prefix);
    const handle = await start(id);

    const held = await until(handle, 'held');
    expect(await liveAccess(inventory.pool, id)).toEqual({ projects: 0, tokens: 0 });
    const closed = JSON.parse((await bucketPolicy(clients.s3, bucket))!) as { Statement: { Sid?: string; Effect: string }[] };
    expect(closed.Statement.find((s) => s.Sid === `LifecycleOpsDeny-${id}`)?.Effect).toBe('Deny');
    expect(Date.parse(held.holdEndsAt) - Date.parse(held.terminatedAt)).toBe(30 * DAY * 1000);

    // Nothing moves during the hold: 29 days later, still held and nothing archived.
    await env.sleep('29 days');
    expect(await stageOf(handle)).toBe('held');
    expect((await census(clients.s3, bucket, seed.prefix)).notArchived).toBe(before.versions);

    await env.sleep('2 days');
    const archived = await until(handle, 'archived');
    const after = await census(clients.s3, bucket, seed.prefix);
    expect(after).toMatchObject({ versions: before.versions, deleteMarkers: before.deleteMarkers, notArchived: 0 });
    expect(archived.archiveProgress).toMatchObject({ done: before.versions, total: before.versions });
    await expect(clients.redshift.send(new DescribeClustersCommand({ ClusterIdentifier: seed.clusterId }))).rejects.toThrow(/not found/i);
    // A current object stays current, in Glacier.
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `${seed.prefix}data/file-0000.csv` }));
    expect(head.StorageClass).toBe('GLACIER');

    // Purge: the requester cannot approve it; a second operator can.
    await handle.executeUpdate(requestPurgeUpdate, { args: [{ operator: 'alice', requestRef: 'REQ-42' }] });
    const selfApproval = handle.executeUpdate(approvePurgeUpdate, { args: [{ operator: 'alice' }] });
    await expect(selfApproval).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(selfApproval).rejects.toMatchObject({ cause: { message: expect.stringMatching(/alice requested this purge and cannot also approve it/) } });
    expect(await stageOf(handle)).toBe('archived');
    await handle.executeUpdate(approvePurgeUpdate, { args: [{ operator: 'bob' }] });

    const result = await handle.result();
    expect(result).toMatchObject({ customerId: id, stage: 'purged' });
    expect(await census(clients.s3, bucket, seed.prefix)).toMatchObject({ versions: 0, deleteMarkers: 0 });
    const certificate = await getCertificate(inventory.pool, id);
    expect(certificate).toMatchObject({
      id: result.certificateId,
      requestRef: 'REQ-42',
      requestedBy: 'alice',
      approvedBy: 'bob',
      verification: { s3Remaining: 0, warehouseRemaining: [] },
      manifest: { totals: { objectVersions: before.versions, deleteMarkers: before.deleteMarkers, clusters: 0, instances: 0, snapshots: 2 } },
    });
    expect(certificate!.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const trail = await readAudit(inventory.pool, { target: `customer:${id}` });
    expect(trail.map((e) => `${e.actor} ${e.action} ${e.outcome}`)).toEqual(
      expect.arrayContaining(['alice terminate started', 'alice stage.held ok', 'lifecycle-workflow stage.archived ok', 'alice purge.request ok', 'alice purge.approve refused', 'bob purge.approve ok', 'bob stage.purged ok']),
    );
    expect((await verifyAuditChain(inventory.pool)).ok).toBe(true);
  });

  it('reinstates during the hold: exactly the access and bucket policy that were there', async () => {
    const seed = await seeded(3);
    const id = seed.customer.id;
    const policyBefore = await bucketPolicy(clients.s3, bucket);
    // The customer's own credentials: any principal but the ops role.
    const asCustomer = new S3Client({ region: 'us-east-1', endpoint: stack().motoEndpoint, forcePathStyle: true, credentials: { accessKeyId: `${id}-app`, secretAccessKey: 'x' } });
    // Reads the whole body, so no response stream is left open when the client is destroyed.
    const read = async () => {
      const out = await asCustomer.send(new GetObjectCommand({ Bucket: bucket, Key: `${seed.prefix}data/file-0000.csv` }));
      await out.Body?.transformToString();
      return out;
    };
    await expect(read()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    const handle = await start(id);
    await until(handle, 'held');
    expect(await bucketPolicy(clients.s3, bucket)).not.toEqual(policyBefore);
    await expect(read()).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });

    await env.sleep('10 days');
    await expect(handle.executeUpdate(reinstateUpdate, { args: [{ operator: 'carol', reason: '' }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.executeUpdate(reinstateUpdate, { args: [{ operator: 'carol', reason: 'contract renewed' }] });
    expect(await handle.result()).toMatchObject({ stage: 'reinstated' });
    expect(await liveAccess(inventory.pool, id)).toEqual({ projects: 2, tokens: 3 });
    expect(JSON.parse((await bucketPolicy(clients.s3, bucket))!)).toEqual(JSON.parse(policyBefore!));
    await expect(read()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    asCustomer.destroy();
    expect((await census(clients.s3, bucket, seed.prefix)).notArchived).toBeGreaterThan(0);
  });

  it('purges straight from the hold, and from the middle of archiving', async () => {
    const fromHold = await seeded(3);
    const holdHandle = await start(fromHold.customer.id);
    await until(holdHandle, 'held');
    await holdHandle.executeUpdate(requestPurgeUpdate, { args: [{ operator: 'alice', requestRef: 'REQ-1' }] });
    await holdHandle.executeUpdate(approvePurgeUpdate, { args: [{ operator: 'bob' }] });
    expect(await holdHandle.result()).toMatchObject({ stage: 'purged' });
    expect(await census(clients.s3, bucket, fromHold.prefix)).toMatchObject({ versions: 0, deleteMarkers: 0 });
    // The cluster still existed at purge time: it is gone, and no snapshot of it remains.
    await expect(clients.redshift.send(new DescribeClustersCommand({ ClusterIdentifier: fromHold.clusterId }))).rejects.toThrow(/not found/i);

    // A worker whose archive pages take a while, so the approval lands in the middle of archiving.
    const slowQueue = uniqueName('slow');
    const real = createActivities(clients, { opsRoleArn: testConfig().aws.opsRoleArn, s3PageSize: 5 });
    const slowWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: slowQueue,
      workflowBundle: { codePath: stack().workflowBundlePath },
      activities: { ...real, archiveS3Page: async (input: Parameters<typeof real.archiveS3Page>[0]) => {
        await new Promise((r) => setTimeout(r, 300));
        return real.archiveS3Page(input);
      } },
    });
    const midArchive = await seeded(40);
    const archiveHandle = await env.client.workflow.start(customerLifecycleWorkflow, {
      taskQueue: slowQueue,
      workflowId: `lifecycle/${midArchive.customer.id}`,
      args: [{ customerId: midArchive.customer.id, reason: 'contract ended', terminatedBy: 'alice', holdSeconds: 2, archiveStorageClass: 'GLACIER', approvalWindowSeconds: 3 * DAY }],
    });
    await slowWorker.runUntil(async () => {
      await until(archiveHandle, 'held');
      await archiveHandle.executeUpdate(requestPurgeUpdate, { args: [{ operator: 'alice', requestRef: 'REQ-2' }] });
      // No result is awaited, so time is not skipped: the 2-second hold passes in real time.
      const archiving = await until(archiveHandle, 'archiving');
      await archiveHandle.executeUpdate(approvePurgeUpdate, { args: [{ operator: 'bob' }] });
      const result = await archiveHandle.result();
      expect(result).toMatchObject({ stage: 'purged' });
      const events = (await archiveHandle.query(statusQuery)).events.map((e) => e.what);
      expect(events).toContain('stage purging');
      expect(events).not.toContain('stage archived');
      expect(archiving.stage).toBe('archiving');
    });
    expect(await census(clients.s3, bucket, midArchive.prefix)).toMatchObject({ versions: 0, deleteMarkers: 0 });
  });

  it('deletes nothing without an approval; an expired request cannot be approved', async () => {
    const seed = await seeded(3);
    const before = await census(clients.s3, bucket, seed.prefix);
    const handle = await start(seed.customer.id, { approvalWindowSeconds: DAY });
    await until(handle, 'held');
    await handle.executeUpdate(requestPurgeUpdate, { args: [{ operator: 'alice', requestRef: 'REQ-3' }] });
    await env.sleep('2 days');
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ stage: 'held', purgeRequestExpired: true });
    await expect(handle.executeUpdate(approvePurgeUpdate, { args: [{ operator: 'bob' }] })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/expired/) },
    });
    expect(await census(clients.s3, bucket, seed.prefix)).toEqual(before);
  });

  it('fails clearly for a customer not in the inventory, changing nothing', async () => {
    const handle = await start(uniqueCustomerId('ghost'));
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.cause)).toMatch(/is not in the inventory/);
  });

  it('continues as new to keep the history bounded, without losing its place', async () => {
    const seed = await seeded(30);
    const handle = await start(seed.customer.id, { holdSeconds: 1, historyLimit: 60 });
    // Many small pages: under a loaded CI machine this takes well over a minute of real time.
    const status = await until(handle, 'archived', 170_000);
    expect(status.runs).toBeGreaterThan(1);
    expect(status.archiveProgress.done).toBe(status.archiveProgress.total);
    expect((await census(clients.s3, bucket, seed.prefix)).notArchived).toBe(0);
    const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    expect(history.events?.length ?? 0).toBeLessThan(200);
  }, 180_000);
});
