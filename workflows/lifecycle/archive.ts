import { ApplicationFailure } from '@temporalio/workflow';
import type { LifecycleState, S3CursorState } from '../../common/lifecycle-messages.js';
import type { InventoryResource } from '../../common/customer.js';
import { archivePages, aws } from './activities.js';
import { emptyProgress, isPurgeApproved } from './state.js';

export type StepOutcome = 'done' | 'purge' | 'continue-as-new';

const MAX_ROUNDS = 3;
const SAMPLE_SIZE = 20;

type S3Resource = Extract<InventoryResource, { kind: 's3' }>;
const s3Resources = (state: LifecycleState) => state.resources.filter((r): r is S3Resource => r.kind === 's3');
export const warehouseIdentifier = (r: Exclude<InventoryResource, { kind: 's3' }>) => (r.kind === 'redshift' ? r.clusterId : r.instanceId);

/**
 * Runs `page` for every S3 resource from the cursor kept in `cursors` until each is 'done'. Between pages it
 * stops for an approved purge (when asked) or to continue as new: every step of a customer with millions of
 * versions is paged and checkpointed, planning and verification included.
 */
export async function eachS3Page(
  state: LifecycleState,
  cursors: Record<string, S3CursorState>,
  shouldContinueAsNew: () => boolean,
  page: (resource: S3Resource, cursor: { keyMarker?: string; versionIdMarker?: string } | undefined) => Promise<{ keyMarker?: string; versionIdMarker?: string } | undefined>,
  options: { stopForPurge?: boolean } = {},
): Promise<StepOutcome> {
  for (const resource of s3Resources(state)) {
    const key = String(resource.id);
    for (;;) {
      const cursor = cursors[key];
      if (cursor === 'done') break;
      if (options.stopForPurge && isPurgeApproved(state)) return 'purge';
      if (shouldContinueAsNew()) return 'continue-as-new';
      cursors[key] = (await page(resource, cursor)) ?? 'done';
    }
  }
  return 'done';
}

/**
 * Moves every S3 version to the archive class (one page per activity, cursor kept in the state), then
 * snapshots and removes dedicated warehouses. Stops early for an approved purge or to continue as new.
 */
export async function archive(state: LifecycleState, shouldContinueAsNew: () => boolean): Promise<StepOutcome> {
  const { customerId } = state;
  if (!state.archive.planned) {
    // Counting what there is, so `ops status` can show progress against a total.
    if (Object.keys(state.archive.planCursors).length === 0) state.archive.progress = emptyProgress();
    const planned = await eachS3Page(state, state.archive.planCursors, shouldContinueAsNew, async (resource, cursor) => {
      const page = await aws.planS3Page({ customerId, bucket: resource.bucket, prefix: resource.prefix, ...(cursor ? { cursor } : {}) });
      state.archive.progress.total += page.versions;
      state.archive.progress.bytesTotal += page.bytes;
      return page.nextCursor;
    }, { stopForPurge: true });
    if (planned !== 'done') return planned;
    state.archive.planned = true;
  }
  const archived = await eachS3Page(state, state.archive.cursors, shouldContinueAsNew, async (resource, cursor) => {
    const page = await archivePages.archiveS3Page({ customerId, bucket: resource.bucket, prefix: resource.prefix, storageClass: state.archiveStorageClass, ...(cursor ? { cursor } : {}) });
    state.archive.progress.done += page.archived + page.alreadyArchived;
    state.archive.progress.bytesDone += page.bytesArchived;
    return page.nextCursor;
  }, { stopForPurge: true });
  if (archived !== 'done') return archived;

  for (const resource of state.resources) {
    if (resource.kind === 's3' || !resource.dedicated || state.archive.warehousesDone.includes(resource.id)) continue;
    if (isPurgeApproved(state)) return 'purge';
    await aws.snapshotAndRemove({ customerId, kind: resource.kind, identifier: warehouseIdentifier(resource) });
    state.archive.warehousesDone.push(resource.id);
  }
  return 'done';
}

/**
 * Lists everything again, page by page: no version outside the archive class, every dedicated warehouse gone
 * with its final snapshot kept. 'again' means another archive round is needed.
 */
export async function verifyArchived(state: LifecycleState, shouldContinueAsNew: () => boolean): Promise<'done' | 'again' | 'continue-as-new'> {
  const { customerId } = state;
  const verified = await eachS3Page(state, state.archive.verifyCursors, shouldContinueAsNew, async (resource, cursor) => {
    const page = await aws.verifyS3Archived({ customerId, bucket: resource.bucket, prefix: resource.prefix, ...(cursor ? { cursor } : {}) });
    if (page.notArchived > 0) {
      const found = (state.archive.notArchived[String(resource.id)] ??= { count: 0, sample: [] });
      found.count += page.notArchived;
      found.sample = [...found.sample, ...page.sample].slice(0, SAMPLE_SIZE);
    }
    return page.nextCursor;
  });
  if (verified === 'continue-as-new') return verified;

  const problems: string[] = [];
  for (const resource of state.resources) {
    if (resource.kind === 's3') {
      const found = state.archive.notArchived[String(resource.id)];
      if (found) {
        problems.push(`s3://${resource.bucket}/${resource.prefix}: ${found.count} versions not archived (e.g. ${found.sample.join(', ')})`);
        delete state.archive.cursors[String(resource.id)]; // archive it again from the start
      }
    } else if (resource.dedicated) {
      const identifier = warehouseIdentifier(resource);
      const result = await aws.verifyWarehouseArchived({ customerId, kind: resource.kind, identifier });
      if (!result.ok) {
        problems.push(`${resource.kind} ${identifier}: ${result.detail}`);
        state.archive.warehousesDone = state.archive.warehousesDone.filter((id) => id !== resource.id);
      }
    }
  }
  state.archive.verifyCursors = {};
  state.archive.notArchived = {};
  if (!problems.length) return 'done';
  state.archive.planned = false;
  state.archive.planCursors = {};
  if (++state.archive.rounds >= MAX_ROUNDS) {
    throw ApplicationFailure.nonRetryable(`archive verification failed ${MAX_ROUNDS} times: ${problems.join('; ')}`, 'VerificationFailed');
  }
  return 'again';
}
