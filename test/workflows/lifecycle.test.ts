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
  approveHoldArgs,
  approveHoldUpdate,
  approvePurgeArgs,
  approvePurgeUpdate,
  purgeRequestArgs,
  reinstateArgs,
  reinstateUpdate,
  requestPurgeUpdate,
  statusQuery,
  terminateArgs,
  type LifecycleStatus,
  type TerminateLifecycleInput,
} from '../../common/lifecycle-messages.js';
import type { LifecyclePolicy } from '../../common/lifecycle-policy.js';
import { OPERATOR_ACTIONS } from '../../common/operator-assertion.js';
import type { Stage } from '../../common/lifecycle.js';
import { customerLifecycleWorkflow } from '../../workflows/lifecycle/lifecycle-workflow.js';
import { addCustomers } from '../../activities/inventory/customers.js';
import { customerSchema } from '../../common/customer.js';
import { inventoryDatabase } from '../helpers/inventory.js';
import { bucketPolicy, census, seedCustomer, uniqueCustomerId } from '../helpers/lifecycle.js';
import { saveHistory } from '../helpers/histories.js';
import { testOperators } from '../helpers/operators.js';
import { clientsFor, stack, testConfig, timeSkippingEnv, uniqueName } from '../helpers/stack.js';

const DAY = 86_400;
const ops = testOperators();
/** The worker's bounds: a 30-day contractual hold; `quick` workers hold one second by contract. */
const policy = (overrides: Partial<LifecyclePolicy> = {}): LifecyclePolicy => ({
  contractualHoldSeconds: 30 * DAY,
  minHoldSeconds: 1,
  maxHoldSeconds: 365 * DAY,
  minApprovalWindowSeconds: 60,
  maxApprovalWindowSeconds: 30 * DAY,
  historyLimit: 5_000,
  ...overrides,
});
const quick = policy({ contractualHoldSeconds: 1 });

/** Signed operator messages, as the CLI sends them. */
const as = {
  requestPurge: (operator: string, customerId: string, requestRef: string) => ({
    assertion: ops.sign(operator, OPERATOR_ACTIONS.requestPurge, `lifecycle/${customerId}`, purgeRequestArgs(customerId, requestRef)),
    requestRef,
  }),
  approvePurge: (operator: string, customerId: string, requestRef: string) => ({
    assertion: ops.sign(operator, OPERATOR_ACTIONS.approvePurge, `lifecycle/${customerId}`, approvePurgeArgs(customerId, requestRef)),
    requestRef,
  }),
  reinstate: (operator: string, customerId: string, reason: string) => ({
    assertion: ops.sign(operator, OPERATOR_ACTIONS.reinstate, `lifecycle/${customerId}`, reinstateArgs(customerId, reason)),
    reason,
  }),
  approveHold: (operator: string, customerId: string, holdSeconds: number) => ({
    assertion: ops.sign(operator, OPERATOR_ACTIONS.approveHold, `lifecycle/${customerId}`, approveHoldArgs(customerId, holdSeconds)),
    holdSeconds,
  }),
};

function terminateInput(customerId: string, overrides: Partial<Omit<TerminateLifecycleInput, 'kind' | 'terminatedBy'>> = {}, by = 'alice'): TerminateLifecycleInput {
  const args = { customerId, reason: 'contract ended', holdSeconds: 30 * DAY, archiveStorageClass: 'GLACIER' as const, approvalWindowSeconds: 3 * DAY, ...overrides };
  return { kind: 'terminate', ...args, terminatedBy: ops.sign(by, OPERATOR_ACTIONS.terminate, `lifecycle/${customerId}`, terminateArgs(args)) };
}

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
      activities: createActivities(clients, { opsRoleArn: config.aws.opsRoleArn!, s3PageSize: 5, operatorsFile: ops.allowListFile, lifecyclePolicy: policy() }),
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

  function start(customerId: string, overrides: Parameters<typeof terminateInput>[1] = {}, queue = taskQueue) {
    return env.client.workflow.start(customerLifecycleWorkflow, { taskQueue: queue, workflowId: `lifecycle/${customerId}`, args: [terminateInput(customerId, overrides)] });
  }

  /** A second worker with other options (slow pages, a short contractual hold, a small history limit). */
  type ArchivePage = ReturnType<typeof createActivities>['archiveS3Page'];
  async function workerWith(queue: string, options: { policy?: LifecyclePolicy; slowArchive?: boolean; archiveS3Page?: (real: ArchivePage) => ArchivePage } = {}) {
    const real = createActivities(clients, { opsRoleArn: testConfig().aws.opsRoleArn!, s3PageSize: 5, operatorsFile: ops.allowListFile, lifecyclePolicy: options.policy ?? quick });
    const slow: ArchivePage = async (input) => {
      await new Promise((r) => setTimeout(r, 300));
      return real.archiveS3Page(input);
    };
    return Worker.create({
      connection: env.nativeConnection,
      taskQueue: queue,
      workflowBundle: { codePath: stack().workflowBundlePath },
      activities: { ...real, archiveS3Page: options.archiveS3Page?.(real.archiveS3Page) ?? (options.slowArchive ? slow : real.archiveS3Page) },
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
    const deny = closed.Statement.find((s) => s.Sid === 'LifecycleOpsDenyClosedPrefixes') as { Effect: string; Resource: string[] } | undefined;
    expect(deny?.Effect).toBe('Deny');
    expect(deny?.Resource).toContain(`arn:aws:s3:::${bucket}/${seed.prefix}*`);
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
    // The run ended at archived; a purge request starts a new run of the same id from its saved state.
    expect(await handle.result()).toMatchObject({ stage: 'archived' });
    await saveHistory(env.client, 'held-archived', handle.workflowId, handle.firstExecutionRunId);
    const purgeRun = await env.client.workflow.start(customerLifecycleWorkflow, {
      taskQueue,
      workflowId: `lifecycle/${id}`,
      args: [{ kind: 'purge-archived', customerId: id, requestRef: 'REQ-42', approvalWindowSeconds: 3 * DAY, requestedBy: as.requestPurge('alice', id, 'REQ-42').assertion }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    await until(purgeRun, 'archived');
    const selfApproval = purgeRun.executeUpdate(approvePurgeUpdate, { args: [as.approvePurge('alice', id, 'REQ-42')] });
    await expect(selfApproval).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(selfApproval).rejects.toMatchObject({ cause: { message: expect.stringMatching(/alice requested this purge and cannot also approve it/) } });
    expect(await stageOf(purgeRun)).toBe('archived');
    await purgeRun.executeUpdate(approvePurgeUpdate, { args: [as.approvePurge('bob', id, 'REQ-42')] });

    const result = await purgeRun.result();
    await saveHistory(env.client, 'purge-of-archived', purgeRun.workflowId, purgeRun.firstExecutionRunId);
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
    // The certificate says what the purge kept and what it checked.
    expect(certificate!.retention?.pseudonymised).toContain('customer name');
    expect(certificate!.verification.warehouseChecks?.map((c) => c.identifier).sort()).toEqual([seed.clusterId, seed.instanceId].sort());
    // Personal fields are gone: the name behind a salted digest, the reasons out of the trail.
    const { rows } = await inventory.pool.query<{ name: string; organization: string }>(`SELECT name, organization FROM customers WHERE id = $1`, [id]);
    expect(rows[0]!.name).toMatch(/^pseudonym:[0-9a-f]{16}$/);
    expect(rows[0]!.organization).not.toContain(id);

    const trail = await readAudit(inventory.pool, { target: `customer:${id}` });
    expect(trail.map((e) => `${e.actor} ${e.action} ${e.outcome}`)).toEqual(
      expect.arrayContaining(['alice terminate started', 'alice stage.held ok', 'lifecycle-workflow stage.archived ok', 'alice purge.request ok', 'alice purge.approve refused', 'bob purge.approve ok', 'bob stage.purged ok']),
    );
    expect(trail.find((e) => e.action === 'terminate')?.details.reason).toBe('[removed at purge]');
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
    await expect(handle.executeUpdate(reinstateUpdate, { args: [as.reinstate('carol', id, '')] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.executeUpdate(reinstateUpdate, { args: [as.reinstate('carol', id, 'contract renewed')] });
    expect(await handle.result()).toMatchObject({ stage: 'reinstated' });
    await saveHistory(env.client, 'reinstated', handle.workflowId);
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
    await holdHandle.executeUpdate(requestPurgeUpdate, { args: [as.requestPurge('alice', fromHold.customer.id, 'REQ-1')] });
    await holdHandle.executeUpdate(approvePurgeUpdate, { args: [as.approvePurge('bob', fromHold.customer.id, 'REQ-1')] });
    expect(await holdHandle.result()).toMatchObject({ stage: 'purged' });
    await saveHistory(env.client, 'purged-from-hold', holdHandle.workflowId);
    expect(await census(clients.s3, bucket, fromHold.prefix)).toMatchObject({ versions: 0, deleteMarkers: 0 });
    // The cluster still existed at purge time: it is gone, and no snapshot of it remains.
    await expect(clients.redshift.send(new DescribeClustersCommand({ ClusterIdentifier: fromHold.clusterId }))).rejects.toThrow(/not found/i);

    // A worker whose archive pages take a while, so the approval lands in the middle of archiving.
    const slowQueue = uniqueName('slow');
    const slowWorker = await workerWith(slowQueue, { slowArchive: true });
    const midArchive = await seeded(40);
    const mid = midArchive.customer.id;
    const versionsBefore = (await census(clients.s3, bucket, midArchive.prefix)).versions;
    const archiveHandle = await start(mid, { holdSeconds: 2 }, slowQueue);
    await slowWorker.runUntil(async () => {
      await until(archiveHandle, 'held');
      await archiveHandle.executeUpdate(requestPurgeUpdate, { args: [as.requestPurge('alice', mid, 'REQ-2')] });
      // No result is awaited, so time is not skipped: the 2-second hold passes in real time.
      await until(archiveHandle, 'archiving');
      await archiveHandle.executeUpdate(approvePurgeUpdate, { args: [as.approvePurge('bob', mid, 'REQ-2')] });
      const result = await archiveHandle.result();
      expect(result).toMatchObject({ stage: 'purged' });
      await saveHistory(env.client, 'purged-mid-archive', archiveHandle.workflowId);
      const final = await archiveHandle.query(statusQuery);
      const events = final.events.map((e) => e.what);
      expect(events).toContain('stage purging');
      expect(events).not.toContain('stage archived');
      // The purge took over mid-way: the archive never got through every version.
      expect(final.archiveProgress.done).toBeLessThan(versionsBefore);
    });
    expect(await census(clients.s3, bucket, midArchive.prefix)).toMatchObject({ versions: 0, deleteMarkers: 0 });
  });

  it('deletes nothing without an approval; an expired request cannot be approved', async () => {
    const seed = await seeded(3);
    const before = await census(clients.s3, bucket, seed.prefix);
    const handle = await start(seed.customer.id, { approvalWindowSeconds: DAY });
    await until(handle, 'held');
    await handle.executeUpdate(requestPurgeUpdate, { args: [as.requestPurge('alice', seed.customer.id, 'REQ-3')] });
    await env.sleep('2 days');
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ stage: 'held', purgeRequestExpired: true });
    await expect(handle.executeUpdate(approvePurgeUpdate, { args: [as.approvePurge('bob', seed.customer.id, 'REQ-3')] })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/expired/) },
    });
    expect(await census(clients.s3, bucket, seed.prefix)).toEqual(before);
  });

  it('fails clearly for a customer not in the inventory, changing nothing but a failure record', async () => {
    const ghost = uniqueCustomerId('ghost');
    const handle = await start(ghost);
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.cause)).toMatch(/is not in the inventory/);
    const trail = await readAudit(inventory.pool, { target: `customer:${ghost}` });
    expect(trail.map((e) => `${e.action} ${e.outcome}`)).toEqual(['lifecycle.failed failed']);
  });

  it('continues as new to keep the history bounded, without losing its place', async () => {
    const seed = await seeded(30);
    const queue = uniqueName('can');
    const small = await workerWith(queue, { policy: policy({ contractualHoldSeconds: 1, historyLimit: 60 }) });
    const id = seed.customer.id;
    // A purge request that lapses during the hold travels through every continued run: recorded once, not per run.
    const handle = await start(id, { holdSeconds: 3600, approvalWindowSeconds: 60 }, queue);
    const status = await small.runUntil(async () => {
      await until(handle, 'held');
      await handle.executeUpdate(requestPurgeUpdate, { args: [as.requestPurge('alice', id, 'REQ-CAN')] });
      await handle.result();
      return handle.query(statusQuery);
    });
    expect(status.stage).toBe('archived');
    expect(status.runs).toBeGreaterThan(1);
    const trail = await readAudit(inventory.pool, { target: `customer:${id}` });
    expect(trail.filter((e) => e.action === 'purge.request.expired')).toHaveLength(1);
    await saveHistory(env.client, 'continued-as-new-first-run', handle.workflowId, handle.firstExecutionRunId);
    await saveHistory(env.client, 'continued-as-new-last-run', handle.workflowId);
    expect(status.archiveProgress.done).toBe(status.archiveProgress.total);
    expect((await census(clients.s3, bucket, seed.prefix)).notArchived).toBe(0);
    const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    expect(history.events?.length ?? 0).toBeLessThan(200);
  }, 90_000);

  it('refuses forged input before anything happens: a carried state, a foreign id, a fake continuation, unbounded numbers', async () => {
    const seed = await seeded(2);
    const id = seed.customer.id;
    const good = terminateInput(id);
    const forged: [string, unknown, RegExp][] = [
      [`lifecycle/${id}`, { ...good, carried: { stage: 'purging' } }, /unexpected field\(s\) carried/],
      [`lifecycle/${id}`, { ...good, historyLimit: 1 }, /unexpected field\(s\) historyLimit/],
      [`somewhere/${id}`, good, /workflow id somewhere\/.* must be lifecycle\//],
      [`lifecycle/${id}`, { kind: 'continued', customerId: id }, /continued run must be started by continue-as-new/],
      [`lifecycle/${id}`, terminateInput(id, { holdSeconds: 1e20 }), /holdSeconds .* must be whole seconds/],
      [`lifecycle/${id}`, terminateInput(id, { approvalWindowSeconds: -5 }), /approvalWindowSeconds/],
      // Signed for other arguments than those sent: the hold was changed after signing.
      [`lifecycle/${id}`, { ...good, holdSeconds: 2 * DAY }, /signed other arguments/],
    ];
    for (const [workflowId, input, why] of forged) {
      const handle = await env.client.workflow.start('customerLifecycleWorkflow', { taskQueue, workflowId, args: [input], workflowIdReusePolicy: 'ALLOW_DUPLICATE' });
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure, workflowId).toBeInstanceOf(WorkflowFailedError);
      expect(String((failure as WorkflowFailedError).cause), JSON.stringify(input).slice(0, 80)).toMatch(why);
      if (why.source.includes('carried')) await saveHistory(env.client, 'refused-forged-input', workflowId, handle.firstExecutionRunId);
    }
    // Nothing of the customer changed.
    expect(await liveAccess(inventory.pool, id)).toEqual({ projects: 2, tokens: 3 });
    expect(await bucketPolicy(clients.s3, bucket)).toBe(seed.originalPolicy);
  });

  it('knows operators by their keys: no approval under another spelling, a stolen name, an unlisted key or without the approver role', async () => {
    const seed = await seeded(2);
    const id = seed.customer.id;
    const handle = await start(id);
    await until(handle, 'held');
    await handle.executeUpdate(requestPurgeUpdate, { args: [as.requestPurge('alice', id, 'REQ-9')] });
    const refused = async (args: { assertion: unknown; requestRef: string }, why: RegExp) => {
      const attempt = handle.executeUpdate(approvePurgeUpdate, { args: [args as never] });
      await expect(attempt).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(attempt).rejects.toMatchObject({ cause: { message: expect.stringMatching(why) } });
    };
    // alice's own key claiming `Alice`: the same person, normalised.
    const shouting = { ...as.approvePurge('alice', id, 'REQ-9') };
    shouting.assertion = { ...shouting.assertion, operator: 'ALICE' };
    await refused(shouting, /signature .* does not hold|alice requested this purge/);
    const resigned = ops.sign('alice', OPERATOR_ACTIONS.approvePurge, `lifecycle/${id}`, approvePurgeArgs(id, 'REQ-9'));
    await refused({ assertion: resigned, requestRef: 'REQ-9' }, /alice requested this purge and cannot also approve it/);
    // bob's name on alice's key.
    await refused({ assertion: { ...resigned, operator: 'bob' }, requestRef: 'REQ-9' }, /belongs to alice, not bob/);
    // dave is listed but not an approver; an approval signed for another customer does not transfer.
    await refused(as.approvePurge('dave', id, 'REQ-9'), /dave is not an approver/);
    await refused({ assertion: ops.sign('bob', OPERATOR_ACTIONS.approvePurge, 'lifecycle/someone-else', approvePurgeArgs(id, 'REQ-9')), requestRef: 'REQ-9' }, /signed a request for lifecycle\/someone-else/);
    // No signature at all: what OPS_OPERATOR=bob used to be.
    await refused({ assertion: { operator: 'bob' }, requestRef: 'REQ-9' }, /no signed operator identity/);
    expect(await stageOf(handle)).toBe('held');
    expect((await handle.query(statusQuery)).purgeRequest?.approvedAt).toBeUndefined();
    const trail = await readAudit(inventory.pool, { target: `customer:${id}` });
    expect(trail.filter((e) => e.action === 'purge.approve' && e.outcome === 'refused').length).toBeGreaterThanOrEqual(6);
    await handle.executeUpdate(approvePurgeUpdate, { args: [as.approvePurge('bob', id, 'REQ-9')] });
    expect(await handle.result()).toMatchObject({ stage: 'purged' });
  });

  it('holds the contractual 30 days unless a second operator approves a shorter hold', async () => {
    const seed = await seeded(2);
    const id = seed.customer.id;
    const handle = await start(id, { holdSeconds: 2 * DAY });
    const held = await until(handle, 'held');
    expect(Date.parse(held.holdEndsAt) - Date.parse(held.terminatedAt)).toBe(30 * DAY * 1000);
    await env.sleep('3 days');
    expect(await stageOf(handle)).toBe('held');
    // The operator who terminated cannot approve their own shorter hold.
    await expect(handle.executeUpdate(approveHoldUpdate, { args: [as.approveHold('alice', id, 2 * DAY)] })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/alice terminated .* cannot also approve/) },
    });
    await handle.executeUpdate(approveHoldUpdate, { args: [as.approveHold('bob', id, 2 * DAY)] });
    expect(await handle.result()).toMatchObject({ stage: 'archived' });
    await saveHistory(env.client, 'short-hold-approved', handle.workflowId);
  });

  it('reports a stage stuck on an error that never goes away, and keeps trying', async () => {
    const seed = await seeded(3);
    const id = seed.customer.id;
    const cause = `lifecycle/${id}:stuck:archiving`;
    const queue = uniqueName('stuck');
    // S3 throttles every archive page: a retryable error, retried for the step's whole budget (16 attempts, about
    // 1.7 hours), then the stage is reported stuck and tried again every 10 minutes.
    const stuckWorker = await workerWith(queue, {
      archiveS3Page: () => () => Promise.reject(Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' })),
    });
    const handle = await start(id, { holdSeconds: 1 }, queue);
    await stuckWorker.runUntil(async () => {
      await until(handle, 'archiving');
      await env.sleep('2 hours');
      expect(await handle.query(statusQuery)).toMatchObject({ stage: 'archiving', stuck: { stage: 'archiving', cause } });
      const { rows } = await inventory.pool.query<{ severity: string; summary: string; resolved_at: Date | null; source: string }>(`SELECT * FROM problem_reports WHERE cause = $1`, [cause]);
      expect(rows[0]).toMatchObject({ source: 'lifecycle', severity: 'error', resolved_at: null });
      expect(rows[0]!.summary).toMatch(new RegExp(`lifecycle of ${id} stuck in archiving since`));
      // Still trying: a new round of attempts is under way, nothing failed for good.
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      expect(pending.map((a) => a.activityType?.name)).toEqual(['archiveS3Page']);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.terminate('test done');
    });
  });
});
