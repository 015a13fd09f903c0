import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateClusterCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { parse as parseYaml } from 'yaml';
import { customerSchema, type Customer } from '../../common/customer.js';

/** The example inventory of the README's walk-through. */
export const EXAMPLE_CUSTOMERS_FILE = fileURLToPath(new URL('../../../examples/customers.yaml', import.meta.url));

/**
 * moto starts empty on every `ops dev`: this creates what examples/customers.yaml points at (versioned buckets with
 * a few objects under each customer's prefix, the Redshift clusters, the RDS instance), so the walk-through's
 * terminate, archive and purge act on real (emulated) data. Existing resources are left as they are.
 */
export async function createDemoWorld(endpoint: string, region: string): Promise<{ buckets: number; objects: number; warehouses: number }> {
  const customers = (parseYaml(readFileSync(EXAMPLE_CUSTOMERS_FILE, 'utf8')) as { customers: unknown[] }).customers.map((c) => customerSchema.parse(c));
  const aws = { region, endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const s3 = new S3Client({ ...aws, forcePathStyle: true });
  const redshift = new RedshiftClient(aws);
  const rds = new RDSClient(aws);
  const counts = { buckets: 0, objects: 0, warehouses: 0 };
  try {
    for (const bucket of new Set(resourcesOf(customers, 's3').map((r) => r.bucket))) {
      if (await ignoreExisting(s3.send(new CreateBucketCommand({ Bucket: bucket })))) counts.buckets += 1;
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    }
    for (const resource of resourcesOf(customers, 's3')) {
      for (let i = 0; i < 5; i++) {
        await s3.send(new PutObjectCommand({ Bucket: resource.bucket, Key: `${resource.prefix}tables/orders-${i}.csv`, Body: `id,customer\n${i},${resource.customer}\n` }));
        counts.objects += 1;
      }
    }
    for (const resource of resourcesOf(customers, 'redshift')) {
      if (await ignoreExisting(redshift.send(new CreateClusterCommand({ ClusterIdentifier: resource.clusterId, NodeType: 'dc2.large', ClusterType: 'single-node', MasterUsername: 'admin', MasterUserPassword: 'Demo-passw0rd' })))) counts.warehouses += 1;
    }
    for (const resource of resourcesOf(customers, 'rds')) {
      if (await ignoreExisting(rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: resource.instanceId, Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'admin', MasterUserPassword: 'Demo-passw0rd' })))) counts.warehouses += 1;
    }
  } finally {
    s3.destroy();
    redshift.destroy();
    rds.destroy();
  }
  return counts;
}

type Kind = Customer['resources'][number]['kind'];
function resourcesOf<K extends Kind>(customers: Customer[], kind: K) {
  return customers.flatMap((c) => c.resources.filter((r): r is Extract<Customer['resources'][number], { kind: K }> => r.kind === kind).map((r) => ({ ...r, customer: c.id })));
}

/** True when created; false when it was there already (a second `ops dev` on the same moto). */
async function ignoreExisting(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (err) {
    if (/AlreadyExists|AlreadyOwnedByYou/i.test((err as Error).name)) return false;
    throw err;
  }
}
