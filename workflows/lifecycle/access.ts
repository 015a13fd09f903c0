import type { LifecycleState } from '../../common/lifecycle-messages.js';
import { aws, records } from './activities.js';
import { warehouseIdentifier } from './archive.js';

export interface AccessChange {
  projects: number;
  tokens: number;
  s3Locations: number;
  warehouses: number;
}

/** The customer's own Redshift clusters and RDS instances; shared ones are not the customer's to close. */
function dedicatedWarehouses(state: LifecycleState) {
  return state.resources.flatMap((r) => (r.kind !== 's3' && r.dedicated ? [{ customerId: state.customerId, kind: r.kind, identifier: warehouseIdentifier(r) }] : []));
}

/**
 * Projects deleted, tokens revoked, every S3 location closed by a bucket policy, every dedicated warehouse
 * closed (not publicly reachable, no ingress, no snapshot restores); returns what changed.
 */
export async function revokeAccess(state: LifecycleState): Promise<AccessChange> {
  const { customerId } = state;
  const inventory = await records.revokeInventoryAccess(customerId);
  let buckets = 0;
  for (const resource of state.resources) {
    if (resource.kind !== 's3') continue;
    await aws.closeS3Access({ customerId, bucket: resource.bucket, prefix: resource.prefix, dedicated: resource.dedicated });
    buckets += 1;
  }
  const warehouses = dedicatedWarehouses(state);
  for (const target of warehouses) await aws.closeWarehouseAccess(target);
  return { projects: inventory.projects, tokens: inventory.tokens, s3Locations: buckets, warehouses: warehouses.length };
}

/** Exactly what revokeAccess changed, undone (each activity restores only what it recorded closing). */
export async function restoreAccess(state: LifecycleState): Promise<AccessChange> {
  const { customerId } = state;
  const warehouses = dedicatedWarehouses(state);
  for (const target of warehouses) await aws.restoreWarehouseAccess(target);
  let buckets = 0;
  for (const resource of state.resources) {
    if (resource.kind !== 's3') continue;
    await aws.restoreS3Access({ customerId, bucket: resource.bucket, prefix: resource.prefix });
    buckets += 1;
  }
  const inventory = await records.restoreInventoryAccess(customerId);
  return { projects: inventory.projects, tokens: inventory.tokens, s3Locations: buckets, warehouses: warehouses.length };
}
