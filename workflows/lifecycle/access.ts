import type { LifecycleState } from '../../common/lifecycle-messages.js';
import { aws, records } from './activities.js';

/** Projects deleted, tokens revoked, every S3 location closed by a bucket policy; returns what changed. */
export async function revokeAccess(state: LifecycleState): Promise<{ projects: number; tokens: number; s3Locations: number }> {
  const { customerId } = state;
  const inventory = await records.revokeInventoryAccess(customerId);
  let buckets = 0;
  for (const resource of state.resources) {
    if (resource.kind !== 's3') continue;
    await aws.closeS3Access({ customerId, bucket: resource.bucket, prefix: resource.prefix, dedicated: resource.dedicated });
    buckets += 1;
  }
  return { projects: inventory.projects, tokens: inventory.tokens, s3Locations: buckets };
}

/** Exactly what revokeAccess changed, undone. */
export async function restoreAccess(state: LifecycleState): Promise<Record<string, number>> {
  const { customerId } = state;
  let buckets = 0;
  for (const resource of state.resources) {
    if (resource.kind !== 's3') continue;
    await aws.restoreS3Access({ customerId, bucket: resource.bucket, prefix: resource.prefix });
    buckets += 1;
  }
  const inventory = await records.restoreInventoryAccess(customerId);
  return { projects: inventory.projects, tokens: inventory.tokens, s3Locations: buckets };
}
