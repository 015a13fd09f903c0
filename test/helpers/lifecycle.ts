import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  DeleteObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateClusterCommand } from '@aws-sdk/client-redshift';
import { CreateDBInstanceCommand } from '@aws-sdk/client-rds';
import type { CustomerInput } from '../../common/customer.js';
import type { ClosableClients } from '../../worker/clients.js';

/** moto is shared by the run: names carry a random suffix. */
export function uniqueCustomerId(prefix = 'cust'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createVersionedBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** `keys` objects with `versions` versions each; every third key ends deleted (a delete marker on top). */
export async function seedObjects(s3: S3Client, bucket: string, prefix: string, keys: number, versions = 2): Promise<void> {
  for (let k = 0; k < keys; k++) {
    const key = `${prefix}data/file-${String(k).padStart(4, '0')}.csv`;
    for (let v = 0; v < versions; v++) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `row,${k},${v}\n`.repeat(10) }));
    }
    if (k % 3 === 2) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}

export interface S3Census {
  versions: number;
  deleteMarkers: number;
  notArchived: number;
  etags: string[];
}

/** Everything under a prefix, listed afresh: what the tests count before and after. */
export async function census(s3: S3Client, bucket: string, prefix: string): Promise<S3Census> {
  const out: S3Census = { versions: 0, deleteMarkers: 0, notArchived: 0, etags: [] };
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
    for (const v of page.Versions ?? []) {
      out.versions += 1;
      out.etags.push(`${v.Key}:${v.ETag}:${v.StorageClass}`);
      const storageClass = String(v.StorageClass ?? 'STANDARD');
      if (storageClass !== 'GLACIER' && storageClass !== 'DEEP_ARCHIVE') out.notArchived += 1;
    }
    out.deleteMarkers += page.DeleteMarkers?.length ?? 0;
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
  out.etags.sort();
  return out;
}

export async function bucketPolicy(s3: S3Client, bucket: string): Promise<string | null> {
  try {
    return (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? null;
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchBucketPolicy') return null;
    throw err;
  }
}

export interface SeededCustomer {
  customer: CustomerInput;
  bucket: string;
  prefix: string;
  clusterId: string;
  instanceId: string;
  originalPolicy: string;
}

/**
 * A customer with a prefix in a shared versioned bucket (which has a policy of its own), a dedicated
 * Redshift cluster and RDS instance, two projects and three tokens (one already revoked is not modelled:
 * all live). The bucket is created if needed.
 */
export async function seedCustomer(clients: ClosableClients, bucket: string, options: { keys?: number; id?: string } = {}): Promise<SeededCustomer> {
  const id = options.id ?? uniqueCustomerId();
  const prefix = `${id}/`;
  const clusterId = `dw-${id}`;
  const instanceId = `db-${id}`;
  const originalPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'PlatformRead', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/platform' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }],
  });
  try {
    await createVersionedBucket(clients.s3, bucket);
    await clients.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: originalPolicy }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
  }
  await seedObjects(clients.s3, bucket, prefix, options.keys ?? 12, 2);
  await clients.redshift.send(
    new CreateClusterCommand({ ClusterIdentifier: clusterId, NodeType: 'dc2.large', ClusterType: 'single-node', MasterUsername: 'admin', MasterUserPassword: 'Passw0rd-123' }),
  );
  await clients.rds.send(
    new CreateDBInstanceCommand({ DBInstanceIdentifier: instanceId, Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'admin', MasterUserPassword: 'Passw0rd-123' }),
  );
  return {
    bucket,
    prefix,
    clusterId,
    instanceId,
    originalPolicy: (await bucketPolicy(clients.s3, bucket)) ?? originalPolicy,
    customer: {
      id,
      name: `Customer ${id}`,
      organization: `${id} Inc`,
      projects: [
        { id: 'p1', name: 'Main', tokens: ['t1', 't2'] },
        { id: 'p2', name: 'Sandbox', tokens: ['t3'] },
      ],
      resources: [
        { kind: 's3', bucket, prefix },
        { kind: 'redshift', clusterId },
        { kind: 'rds', instanceId },
      ],
    },
  };
}
