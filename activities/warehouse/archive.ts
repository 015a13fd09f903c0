import { ApplicationFailure } from '@temporalio/activity';
import { assertCustomerId, assertDedicatedOwned } from '../inventory/ownership.js';
import { logInfo, whileHeartbeating } from './activity-context.js';
import type { WarehouseContext } from './context.js';
import { checkLocation, recordLocation, recordRemoval } from './location.js';
import { finalSnapshotId } from './names.js';
import {
  assertDeletable,
  assertFinalSnapshotOf,
  CUSTOMER_TAG,
  FINAL_SNAPSHOT_CONFLICT,
  FINAL_SNAPSHOT_MISSING,
  finalSnapshotTags,
  LIFECYCLE_TAG,
} from './refusals.js';
import type { WarehouseService } from './service.js';
import type { ArchiveResult, ArchiveVerification, WarehouseTarget } from './types.js';

/**
 * Archive: the delete call takes the final snapshot, so the data cannot change between snapshot and removal.
 * Every step is safe to repeat: a retry waits for a deletion already under way, and a target that is gone
 * with its final snapshot in place is done.
 */
export async function snapshotAndRemove(ctx: WarehouseContext, target: WarehouseTarget): Promise<ArchiveResult> {
  const { db, service } = ctx;
  const { customerId, kind, identifier } = target;
  await assertDedicatedOwned(db, customerId, kind, identifier);
  const here = await ctx.here();
  await checkLocation(db, target, here);
  const snapshotId = finalSnapshotId(customerId, identifier);
  const where = `${service.noun} ${identifier}`;

  const instance = await service.find(identifier);
  if (instance) {
    await recordLocation(db, target, here);
    assertDeletable(service, identifier, instance);
    if (!instance.deleting) {
      const outcome = await service.removeWithFinalSnapshot(identifier, snapshotId);
      if (outcome === 'snapshot-exists') {
        // Cannot be a retry of ours (the snapshot appears only as the target is deleted): perhaps a cluster restored from it.
        throw ApplicationFailure.nonRetryable(
          `${where} still exists, yet its final snapshot ${snapshotId} already exists: a human must decide which to keep`,
          FINAL_SNAPSHOT_CONFLICT,
        );
      }
      logInfo('deleting with a final snapshot', { customerId, kind, identifier, snapshotId });
    }
    await whileHeartbeating({ step: 'waiting for removal', identifier }, (signal) => service.waitUntilRemoved(identifier, signal));
  }

  let snapshot = await service.findSnapshot(snapshotId);
  if (!snapshot) {
    throw ApplicationFailure.nonRetryable(
      `${where} is gone and its final snapshot ${snapshotId} does not exist: something else removed it; a human must look`,
      FINAL_SNAPSHOT_MISSING,
    );
  }
  assertFinalSnapshotOf(service, snapshot, target);
  if (snapshot.status !== 'available') {
    await whileHeartbeating({ step: 'waiting for snapshot', snapshotId }, (signal) => service.waitUntilSnapshotAvailable(snapshotId, signal));
    snapshot = (await service.findSnapshot(snapshotId)) ?? snapshot;
  }
  // Tagged after the fact (neither delete call takes tags); a retry re-applies them.
  await service.keepForever(snapshot, finalSnapshotTags(customerId));
  // Only now, with its final snapshot in place: a purge may then take its absence as the archive's doing.
  await recordRemoval(db, target, here, 'archive');
  return { snapshotId, removed: instance !== undefined };
}

/**
 * Read-only, so it checks the input but not the inventory: it must still answer after the inventory has
 * recorded the cluster/instance as removed.
 */
export async function verifyWarehouseArchived(service: WarehouseService, target: WarehouseTarget): Promise<ArchiveVerification> {
  const { customerId, identifier } = target;
  assertCustomerId(customerId);
  const where = `${service.noun} ${identifier}`;
  const snapshotId = finalSnapshotId(customerId, identifier);

  const instance = await service.find(identifier);
  if (instance) return { ok: false, detail: `${where} still exists (status ${instance.status})` };
  const snapshot = await service.findSnapshot(snapshotId);
  if (!snapshot) return { ok: false, detail: `${where} is gone but its final snapshot ${snapshotId} does not exist` };
  const problems = [
    snapshot.sourceId.toLowerCase() !== identifier.toLowerCase() ? `was taken of ${snapshot.sourceId}` : '',
    snapshot.status !== 'available' ? `is ${snapshot.status}` : '',
    snapshot.tags[CUSTOMER_TAG] !== customerId ? `is not tagged ${CUSTOMER_TAG}=${customerId}` : '',
    snapshot.tags[LIFECYCLE_TAG] !== 'final' ? `is not tagged ${LIFECYCLE_TAG}=final` : '',
    snapshot.retentionDays !== undefined && snapshot.retentionDays !== -1 ? `is kept only ${snapshot.retentionDays} days` : '',
  ].filter(Boolean);
  if (problems.length) return { ok: false, detail: `${where} is gone, but final snapshot ${snapshotId} ${problems.join(', ')}` };
  return { ok: true, detail: `${where} is gone; final snapshot ${snapshotId} is available and kept until purge` };
}
