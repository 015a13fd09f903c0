import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { LifecycleState } from '../../common/lifecycle-messages.js';
import type { DeletionCertificate, DeletionManifest, RetentionStatement } from '../../common/manifest.js';
import { aws, records } from './activities.js';
import { eachS3Page, warehouseIdentifier } from './archive.js';

const MAX_ROUNDS = 3;

type WarehouseChecks = NonNullable<DeletionCertificate['verification']['warehouseChecks']>;

/** What the purge leaves, stated in the certificate (forgetCustomerInventory does the pseudonymising). */
const RETENTION: RetentionStatement = {
  kept: [
    'the customer id, as the anchor of this certificate and of the audit trail',
    'the audit trail: who did what and when (operators, actions, outcomes), hash-chained',
    'this certificate: counts, bytes, bucket prefixes and warehouse identifiers, no content',
  ],
  // Replaced by a salted digest whose salt is not kept: the record shows something was there, nobody can read it.
  pseudonymised: ['customer name', 'organization', 'termination and reinstatement reasons in the audit trail'],
  deleted: [
    'every S3 object version and delete marker under the customer prefixes',
    'dedicated Redshift clusters, RDS instances and their snapshots',
    'projects, API tokens, saved bucket policies and lifecycle checkpoints',
  ],
};

/**
 * Deletes everything page by page, counting what each page deleted (the S3 part of the manifest: one listing and
 * one DeleteObjects per 1,000 versions, no separate census), removes dedicated warehouses and their snapshots,
 * verifies page by page that nothing is left, then forgets the inventory and issues the certificate. Resumable
 * at every step from the state alone, and continues as new between pages.
 */
export async function purge(state: LifecycleState, shouldContinueAsNew: () => boolean): Promise<'continue-as-new' | DeletionCertificate> {
  const { customerId, purge } = state;
  if (!purge.started) {
    purge.startedAt ??= new Date().toISOString();
    // Warehouses are listed before anything goes: what existed is what the certificate names.
    for (const resource of state.resources) {
      if (resource.kind === 's3' || !resource.dedicated) continue; // shared warehouses are not the customer's to remove
      const identifier = warehouseIdentifier(resource);
      const plan = await aws.planWarehouse({ customerId, kind: resource.kind, identifier });
      purge.warehouses.push({ kind: resource.kind, identifier, exists: plan.exists, snapshots: plan.snapshots.map((s) => s.id), checked: plan.checked });
    }
    purge.started = true;
  }
  for (;;) {
    for (const resource of state.resources) {
      if (resource.kind !== 's3') continue;
      const counts = (purge.s3[String(resource.id)] ??= { versions: 0, deleteMarkers: 0, bytes: 0, done: false });
      while (!counts.done) {
        if (shouldContinueAsNew()) return 'continue-as-new';
        const page = await aws.purgeS3Page({ customerId, bucket: resource.bucket, prefix: resource.prefix });
        counts.versions += page.deletedVersions;
        counts.deleteMarkers += page.deletedMarkers;
        counts.bytes += page.bytes;
        counts.done = !page.more;
        purge.progress.done += page.deletedVersions + page.deletedMarkers;
        purge.progress.bytesDone += page.bytes;
        // Nothing is counted ahead of deleting: the total grows with what was found.
        purge.progress.total = purge.progress.done;
        purge.progress.bytesTotal = purge.progress.bytesDone;
      }
    }
    for (const resource of state.resources) {
      if (resource.kind === 's3' || !resource.dedicated) continue;
      await aws.purgeWarehouse({ customerId, kind: resource.kind, identifier: warehouseIdentifier(resource) });
    }
    const remaining = await verifyPurged(state, shouldContinueAsNew);
    if (remaining === 'continue-as-new') return remaining;
    if (remaining.total === 0) return issueCertificate(state, remaining.verifiedAt, remaining.checks);
    if (++purge.rounds >= MAX_ROUNDS) {
      throw ApplicationFailure.nonRetryable(`purge verification still finds data after ${MAX_ROUNDS} rounds: ${remaining.detail.join('; ')}`, 'VerificationFailed');
    }
    // Another round: what verification found is deleted (and counted) again.
    for (const counts of Object.values(purge.s3)) counts.done = false;
  }
}

async function verifyPurged(
  state: LifecycleState,
  shouldContinueAsNew: () => boolean,
): Promise<'continue-as-new' | { total: number; detail: string[]; warehouses: string[]; checks: WarehouseChecks; verifiedAt: string }> {
  const { customerId, purge } = state;
  const listed = await eachS3Page(state, purge.verifyCursors, shouldContinueAsNew, async (resource, cursor) => {
    const page = await aws.verifyS3Purged({ customerId, bucket: resource.bucket, prefix: resource.prefix, ...(cursor ? { cursor } : {}) });
    purge.s3Remaining[String(resource.id)] = (purge.s3Remaining[String(resource.id)] ?? 0) + page.remaining;
    return page.nextCursor;
  });
  if (listed === 'continue-as-new') return listed;
  const detail: string[] = [];
  let total = 0;
  for (const resource of state.resources) {
    if (resource.kind !== 's3') continue;
    const left = purge.s3Remaining[String(resource.id)] ?? 0;
    total += left;
    if (left) detail.push(`s3://${resource.bucket}/${resource.prefix}: ${left} left`);
  }
  const warehouses: string[] = [];
  const checks: WarehouseChecks = [];
  for (const resource of state.resources) {
    if (resource.kind === 's3' || !resource.dedicated) continue;
    const identifier = warehouseIdentifier(resource);
    const result = await aws.verifyWarehousePurged({ customerId, kind: resource.kind, identifier });
    warehouses.push(...result.remaining);
    checks.push({ kind: resource.kind, identifier, ...result.checked });
    if (result.remaining.length) detail.push(`${resource.kind} ${identifier}: ${result.remaining.join(', ')} left`);
  }
  purge.verifyCursors = {};
  purge.s3Remaining = {};
  return { total: total + warehouses.length, detail, warehouses, checks, verifiedAt: new Date().toISOString() };
}

/** The manifest of what was deleted: S3 counted while deleting, warehouses as listed before the purge. */
export function purgeManifest(state: LifecycleState): DeletionManifest {
  const manifest: DeletionManifest = {
    customerId: state.customerId,
    s3: [],
    warehouses: state.purge.warehouses,
    totals: { objectVersions: 0, deleteMarkers: 0, bytes: 0, clusters: 0, instances: 0, snapshots: 0 },
  };
  for (const resource of state.resources) {
    if (resource.kind !== 's3') continue;
    const counts = state.purge.s3[String(resource.id)] ?? { versions: 0, deleteMarkers: 0, bytes: 0 };
    manifest.s3.push({ bucket: resource.bucket, prefix: resource.prefix, versions: counts.versions, deleteMarkers: counts.deleteMarkers, bytes: counts.bytes });
    manifest.totals.objectVersions += counts.versions;
    manifest.totals.deleteMarkers += counts.deleteMarkers;
    manifest.totals.bytes += counts.bytes;
  }
  for (const w of state.purge.warehouses) {
    if (w.exists) manifest.totals[w.kind === 'redshift' ? 'clusters' : 'instances'] += 1;
    manifest.totals.snapshots += w.snapshots.length;
  }
  return manifest;
}

async function issueCertificate(state: LifecycleState, verifiedAt: string, warehouseChecks: WarehouseChecks): Promise<DeletionCertificate> {
  const request = state.purgeRequest;
  if (!request?.approvedBy || !request.approvedAt || !state.purge.startedAt) {
    throw ApplicationFailure.nonRetryable('purge finished without an approved request', 'InvariantBroken');
  }
  const manifest = (state.purge.manifest ??= purgeManifest(state));
  await records.forgetCustomerInventory(state.customerId);
  await records.markResourcesRemoved(state.customerId, state.resources.map((r) => r.id));
  return records.issueCertificate({
    // The first run's id: stable across continue-as-new and retries, so the certificate is stored once.
    id: `${state.customerId}-${workflowInfo().firstExecutionRunId.slice(0, 8)}`,
    customerId: state.customerId,
    requestRef: request.requestRef,
    requestedBy: request.requestedBy,
    requestedAt: request.requestedAt,
    approvedBy: request.approvedBy,
    approvedAt: request.approvedAt,
    purgeStartedAt: state.purge.startedAt,
    purgeFinishedAt: new Date().toISOString(),
    manifest,
    verification: { verifiedAt, s3Remaining: 0, warehouseRemaining: [], warehouseChecks },
    retention: RETENTION,
  });
}
