import { ApplicationFailure } from '@temporalio/workflow';
import type { ArchiveStorageClass, LifecycleState } from '../../common/lifecycle-messages.js';
import { aws } from './activities.js';
import { emptyProgress, isPurgeApproved } from './state.js';

export type StepOutcome = 'done' | 'purge' | 'continue-as-new';

const MAX_ROUNDS = 3;

/**
 * Moves every S3 version to the archive class (one page per activity, cursor kept in the state), then
 * snapshots and removes dedicated warehouses. Stops early for an approved purge or to continue as new.
 */
export async function archive(state: LifecycleState, storageClass: ArchiveStorageClass, shouldContinueAsNew: () => boolean): Promise<StepOutcome> {
  const { customerId } = state;
  if (!state.archive.planned) {
    await planArchive(state);
    state.archive.planned = true;
  }
  for (const resource of state.resources) {
    if (resource.kind !== 's3') continue;
    const key = String(resource.id);
    for (;;) {
      const cursor = state.archive.cursors[key];
      if (cursor === 'done') break;
      if (isPurgeApproved(state)) return 'purge';
      if (shouldContinueAsNew()) return 'continue-as-new';
      const page = await aws.archiveS3Page({ customerId, bucket: resource.bucket, prefix: resource.prefix, storageClass, ...(cursor ? { cursor } : {}) });
      state.archive.progress.done += page.archived + page.alreadyArchived;
      state.archive.progress.bytesDone += page.bytesArchived;
      state.archive.cursors[key] = page.nextCursor ?? 'done';
    }
  }
  for (const resource of state.resources) {
    if (resource.kind === 's3' || !resource.dedicated || state.archive.warehousesDone.includes(resource.id)) continue;
    if (isPurgeApproved(state)) return 'purge';
    const identifier = resource.kind === 'redshift' ? resource.clusterId : resource.instanceId;
    await aws.snapshotAndRemove({ customerId, kind: resource.kind, identifier });
    state.archive.warehousesDone.push(resource.id);
  }
  return 'done';
}

async function planArchive(state: LifecycleState): Promise<void> {
  const progress = emptyProgress();
  for (const resource of state.resources) {
    if (resource.kind !== 's3') continue;
    let cursor: { keyMarker?: string; versionIdMarker?: string } | undefined;
    do {
      const page = await aws.planS3Page({ customerId: state.customerId, bucket: resource.bucket, prefix: resource.prefix, ...(cursor ? { cursor } : {}) });
      progress.total += page.versions;
      progress.bytesTotal += page.bytes;
      cursor = page.nextCursor;
    } while (cursor);
  }
  state.archive.progress = progress;
}

/**
 * Lists everything again: no version outside the archive class, every dedicated warehouse gone with its
 * final snapshot kept. Returns false when another archive round is needed.
 */
export async function verifyArchived(state: LifecycleState): Promise<boolean> {
  const { customerId } = state;
  const problems: string[] = [];
  for (const resource of state.resources) {
    if (resource.kind === 's3') {
      const result = await aws.verifyS3Archived({ customerId, bucket: resource.bucket, prefix: resource.prefix });
      if (result.notArchived > 0) {
        problems.push(`s3://${resource.bucket}/${resource.prefix}: ${result.notArchived} versions not archived (e.g. ${result.sample.join(', ')})`);
        delete state.archive.cursors[String(resource.id)]; // archive it again from the start
      }
    } else if (resource.dedicated) {
      const identifier = resource.kind === 'redshift' ? resource.clusterId : resource.instanceId;
      const result = await aws.verifyWarehouseArchived({ customerId, kind: resource.kind, identifier });
      if (!result.ok) {
        problems.push(`${resource.kind} ${identifier}: ${result.detail}`);
        state.archive.warehousesDone = state.archive.warehousesDone.filter((id) => id !== resource.id);
      }
    }
  }
  if (!problems.length) return true;
  state.archive.planned = false;
  if (++state.archive.rounds >= MAX_ROUNDS) {
    throw ApplicationFailure.nonRetryable(`archive verification failed ${MAX_ROUNDS} times: ${problems.join('; ')}`, 'VerificationFailed');
  }
  return false;
}
