import type pg from 'pg';
import type { InventoryResource } from '../../common/customer.js';

interface ResourceRow {
  id: string;
  customer_id: string;
  kind: 's3' | 'redshift' | 'rds';
  bucket: string | null;
  prefix: string | null;
  cluster_id: string | null;
  instance_id: string | null;
  dedicated: boolean;
}

export function toResource(row: ResourceRow): InventoryResource {
  const base = { id: Number(row.id), customerId: row.customer_id, dedicated: row.dedicated };
  switch (row.kind) {
    case 's3':
      return { ...base, kind: 's3', bucket: row.bucket!, prefix: row.prefix! };
    case 'redshift':
      return { ...base, kind: 'redshift', clusterId: row.cluster_id! };
    case 'rds':
      return { ...base, kind: 'rds', instanceId: row.instance_id! };
  }
}

/** The customer's resources that still exist (not removed by archive or purge). */
export async function customerResources(db: pg.Pool | pg.PoolClient, customerId: string): Promise<InventoryResource[]> {
  const { rows } = await db.query<ResourceRow>(
    `SELECT id, customer_id, kind, bucket, prefix, cluster_id, instance_id, dedicated
       FROM resources WHERE customer_id = $1 AND removed_at IS NULL ORDER BY id`,
    [customerId],
  );
  return rows.map(toResource);
}
