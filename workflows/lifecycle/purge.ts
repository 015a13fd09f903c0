import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { LifecycleState } from '../../common/lifecycle-messages.js';
import type { DeletionCertificate } from '../../common/manifest.js';
import { aws, records } from './activities.js';
import type { StepOutcome } from './archive.js';
import { buildManifest } from './manifest.js';

const MAX_ROUNDS = 3;

/**
 * Lists what there is (the manifest), deletes it page by page, verifies nothing is left, then forgets
 * the inventory and issues the certificate. Resumable at every step from the state alone.
 */
export async function purge(state: LifecycleState, shouldContinueAsNew: () => boolean): Promise<StepOutcome | DeletionCertificate> {
  const { customerId } = state;
  const progress = state.purge.progress;
  if (!state.purge.manifest) {
    state.purge.startedAt ??= new Date().toISOString();
    const manifest = await buildManifest(customerId, state.resources);
    state.purge.manifest = manifest;
    progress.total = manifest.totals.objectVersions + manifest.totals.deleteMarkers;
    progress.bytesTotal = manifest.totals.bytes;
  }
  for (;;) {
    for (const resource of state.resources) {
      if (resource.kind !== 's3') continue;
      for (;;) {
        if (shouldContinueAsNew()) return 'continue-as-new';
        const page = await aws.purgeS3Page({ customerId, bucket: resource.bucket, prefix: resource.prefix });
        progress.done += page.deletedVersions + page.deletedMarkers;
        progress.bytesDone += page.bytes;
        if (!page.more) break;
      }
    }
    for (const resource of state.resources) {
      if (resource.kind === 's3' || !resource.dedicated) continue;
      const identifier = resource.kind === 'redshift' ? resource.clusterId : resource.instanceId;
      await aws.purgeWarehouse({ customerId, kind: resource.kind, identifier });
    }
    const remaining = await verifyPurged(state);
    if (remaining.total === 0) {
      // A crashed page's deletions are not counted twice, nor lost from the manifest: show what was there.
      progress.done = progress.total;
      progress.bytesDone = progress.bytesTotal;
      return issueCertificate(state, remaining.verifiedAt);
    }
    if (++state.purge.rounds >= MAX_ROUNDS) {
      throw ApplicationFailure.nonRetryable(`purge verification still finds data after ${MAX_ROUNDS} rounds: ${remaining.detail.join('; ')}`, 'VerificationFailed');
    }
  }
}

async function verifyPurged(state: LifecycleState): Promise<{ total: number; s3: number; warehouses: string[]; detail: string[]; verifiedAt: string }> {
  const { customerId } = state;
  let s3 = 0;
  const warehouses: string[] = [];
  const detail: string[] = [];
  for (const resource of state.resources) {
    if (resource.kind === 's3') {
      const result = await aws.verifyS3Purged({ customerId, bucket: resource.bucket, prefix: resource.prefix });
      s3 += result.remaining;
      if (result.remaining) detail.push(`s3://${resource.bucket}/${resource.prefix}: ${result.remaining} left`);
    } else if (resource.dedicated) {
      const identifier = resource.kind === 'redshift' ? resource.clusterId : resource.instanceId;
      const result = await aws.verifyWarehousePurged({ customerId, kind: resource.kind, identifier });
      warehouses.push(...result.remaining);
      if (result.remaining.length) detail.push(`${resource.kind} ${identifier}: ${result.remaining.join(', ')} left`);
    }
  }
  return { total: s3 + warehouses.length, s3, warehouses, detail, verifiedAt: new Date().toISOString() };
}

async function issueCertificate(state: LifecycleState, verifiedAt: string): Promise<DeletionCertificate> {
  const request = state.purgeRequest;
  if (!request?.approvedBy || !request.approvedAt || !state.purge.manifest || !state.purge.startedAt) {
    throw ApplicationFailure.nonRetryable('purge finished without an approved request and a manifest', 'InvariantBroken');
  }
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
    manifest: state.purge.manifest,
    verification: { verifiedAt, s3Remaining: 0, warehouseRemaining: [] },
  });
}
