import { ApplicationFailure } from '@temporalio/activity';
import { OWNERSHIP_VIOLATION } from '../inventory/ownership.js';
import type { WarehouseInstance, WarehouseService, WarehouseSnapshot } from './service.js';
import type { WarehouseTarget } from './types.js';

/** Failure types a workflow may branch on; none of them is retried: each needs a human. */
export const FINAL_SNAPSHOT_MISSING = 'FinalSnapshotMissing';
export const FINAL_SNAPSHOT_CONFLICT = 'FinalSnapshotConflict';
export const DELETION_PROTECTED = 'DeletionProtected';

/** The tags on a final snapshot: whose it is, and that the lifecycle (not a person) made it. */
export const CUSTOMER_TAG = 'customer-id';
export const LIFECYCLE_TAG = 'lifecycle-ops';
export function finalSnapshotTags(customerId: string): Record<string, string> {
  return { [CUSTOMER_TAG]: customerId, [LIFECYCLE_TAG]: 'final' };
}

/** Turning deletion protection off is a decision for a person, not for a retry loop. */
export function assertDeletable(service: WarehouseService, identifier: string, instance: WarehouseInstance): void {
  if (instance.deletionProtection) {
    throw ApplicationFailure.nonRetryable(
      `${service.noun} ${identifier} has deletion protection on: confirm, turn it off, then retry`,
      DELETION_PROTECTED,
    );
  }
}

/** A snapshot tagged as another customer's is never touched, whatever its source identifier says. */
export function assertNotAnothers(snapshots: WarehouseSnapshot[], customerId: string): void {
  const other = snapshots.find((s) => s.tags[CUSTOMER_TAG] !== undefined && s.tags[CUSTOMER_TAG] !== customerId);
  if (other) {
    throw ApplicationFailure.nonRetryable(
      `snapshot ${other.id} of ${other.sourceId} is tagged ${CUSTOMER_TAG}=${other.tags[CUSTOMER_TAG]}, not ${customerId}: refusing to touch it`,
      OWNERSHIP_VIOLATION,
    );
  }
}

/** The snapshot named as this target's final snapshot really is one: of this cluster/instance, of this customer. */
export function assertFinalSnapshotOf(service: WarehouseService, snapshot: WarehouseSnapshot, target: WarehouseTarget): void {
  if (snapshot.sourceId.toLowerCase() !== target.identifier.toLowerCase()) {
    throw ApplicationFailure.nonRetryable(
      `snapshot ${snapshot.id} was taken of ${snapshot.sourceId}, not of ${service.noun} ${target.identifier}: its name is taken`,
      FINAL_SNAPSHOT_CONFLICT,
    );
  }
  assertNotAnothers([snapshot], target.customerId);
}
