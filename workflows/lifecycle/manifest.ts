import type { InventoryResource } from '../../common/customer.js';
import type { DeletionManifest } from '../../common/manifest.js';
import { aws } from './activities.js';

/** Lists, page by page, everything of the customer that a purge would delete. No changes. */
export async function buildManifest(customerId: string, resources: InventoryResource[]): Promise<DeletionManifest> {
  const manifest: DeletionManifest = {
    customerId,
    s3: [],
    warehouses: [],
    totals: { objectVersions: 0, deleteMarkers: 0, bytes: 0, clusters: 0, instances: 0, snapshots: 0 },
  };
  for (const resource of resources) {
    if (resource.kind === 's3') {
      const entry = { bucket: resource.bucket, prefix: resource.prefix, versions: 0, deleteMarkers: 0, bytes: 0 };
      let cursor: { keyMarker?: string; versionIdMarker?: string } | undefined;
      do {
        const page = await aws.planS3Page({ customerId, bucket: resource.bucket, prefix: resource.prefix, cursor });
        entry.versions += page.versions;
        entry.deleteMarkers += page.deleteMarkers;
        entry.bytes += page.bytes;
        cursor = page.nextCursor;
      } while (cursor);
      manifest.s3.push(entry);
      manifest.totals.objectVersions += entry.versions;
      manifest.totals.deleteMarkers += entry.deleteMarkers;
      manifest.totals.bytes += entry.bytes;
    } else {
      if (!resource.dedicated) continue; // shared warehouses are not the customer's to remove
      const identifier = resource.kind === 'redshift' ? resource.clusterId : resource.instanceId;
      const plan = await aws.planWarehouse({ customerId, kind: resource.kind, identifier });
      manifest.warehouses.push({ kind: resource.kind, identifier, exists: plan.exists, snapshots: plan.snapshots.map((s) => s.id) });
      if (plan.exists) manifest.totals[resource.kind === 'redshift' ? 'clusters' : 'instances'] += 1;
      manifest.totals.snapshots += plan.snapshots.length;
    }
  }
  return manifest;
}
