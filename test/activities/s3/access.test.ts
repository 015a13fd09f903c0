import { GetBucketPolicyCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../activities/database/migrate.js';
import { addCustomers } from '../../../activities/inventory/customers.js';
import { createS3Activities } from '../../../activities/s3/index.js';
import { OWNERSHIP_VIOLATION } from '../../../activities/inventory/ownership.js';
import { customerSchema, type CustomerInput } from '../../../common/customer.js';
import { createActivityClients, type ClosableClients } from '../../../worker/clients.js';
import { BACKENDS, openBackend, type Backend } from '../../helpers/inventory.js';
import { stack, testConfig } from '../../helpers/stack.js';
import { bucketName, createBucket, expectNonRetryable, OPS_ROLE_ARN, snapshot, type S3Activities } from './fixtures.js';

/**
 * The inventory on each database the suite runs on: PostgreSQL, and the embedded PGlite of `ops dev` (one
 * session: closing a bucket there once waited for itself forever).
 */
async function openInventory(backend: Backend, customers: CustomerInput[]): Promise<{ clients: ClosableClients; db: pg.Pool; close: () => Promise<void> }> {
  const opened = await openBackend(backend, { waitLimitMs: 20_000 });
  await migrate(opened.db);
  await addCustomers(opened.db, customers.map((c) => customerSchema.parse(c)));
  const clients = createActivityClients(testConfig({ database: { url: opened.url } }), opened.db);
  return {
    clients,
    db: opened.db,
    // The database is the backend's to close (a PostgreSQL one is dropped too); the AWS clients are ours.
    close: async () => {
      for (const client of [clients.s3, clients.redshift, clients.rds, clients.sts, clients.ec2]) client.destroy();
      await opened.close();
    },
  };
}

describe.each(BACKENDS)('S3 access: close and restore (moto + %s)', (backend) => {
const shared = bucketName('access-shared');
const dedicated = bucketName('access-dedicated');

/** A third party's statement, written with its own layout: restore must give back these exact bytes. */
const THIRD_PARTY_POLICY = `{
  "Version": "2012-10-17",
  "Id": "analytics-read",
  "Statement": {
    "Sid": "AnalyticsReadsNeighbour",
    "Effect": "Allow",
    "Principal": { "AWS": "arn:aws:iam::210987654321:role/analytics" },
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::${shared}/acme-corp/*"
  }
}`;

async function policyText(s3: S3Client, bucket: string): Promise<string | undefined> {
  try {
    return (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
  } catch (err) {
    if ((err as Error).name === 'NoSuchBucketPolicy') return undefined;
    throw err;
  }
}

async function policy(s3: S3Client, bucket: string): Promise<{ Statement: Record<string, unknown>[] } & Record<string, unknown>> {
  const text = await policyText(s3, bucket);
  expect(text, `a policy on ${bucket}`).toBeDefined();
  return JSON.parse(text!) as { Statement: Record<string, unknown>[] };
}

  let inventory: { pool: pg.Pool; close(): Promise<void> };
  let clients: ClosableClients;
  let s3: S3Activities;

  beforeAll(async () => {
    const opened = await openInventory(backend, [
      { id: 'acme', name: 'Acme', organization: 'Acme Inc', resources: [{ kind: 's3', bucket: shared, prefix: 'acme/' }] },
      { id: 'acme-corp', name: 'Acme Corp', organization: 'Acme Corp', resources: [{ kind: 's3', bucket: shared, prefix: 'acme-corp/' }] },
      {
        id: 'solo',
        name: 'Solo',
        organization: 'Solo',
        resources: [{ kind: 's3', bucket: dedicated, prefix: '', dedicated: true }],
      },
    ]);
    clients = opened.clients;
    inventory = { pool: opened.db, close: () => opened.close() };
    s3 = createS3Activities(clients, { opsRoleArn: OPS_ROLE_ARN });
    await createBucket(clients.s3, shared);
    await createBucket(clients.s3, dedicated);
    await clients.s3.send(new PutBucketPolicyCommand({ Bucket: shared, Policy: THIRD_PARTY_POLICY }));
  });
  afterAll(async () => {
    await inventory?.close();
  });

  it('closes a shared prefix next to a third-party policy, once, and restores that policy exactly', async () => {
    const acme = { customerId: 'acme', bucket: shared, prefix: 'acme/' };
    expect(await s3.closeS3Access({ ...acme, dedicated: false })).toEqual({ changed: true });
    expect(await s3.closeS3Access({ ...acme, dedicated: false })).toEqual({ changed: false });

    const closed = await policy(clients.s3, shared);
    expect(closed.Version).toBe('2012-10-17');
    expect(closed.Id).toBe('analytics-read');
    const original = JSON.parse(THIRD_PARTY_POLICY) as { Statement: Record<string, unknown> };
    expect(closed.Statement).toEqual([
      original.Statement,
      {
        Sid: 'LifecycleOpsDenyClosedPrefixes',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${shared}/acme/*`],
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': OPS_ROLE_ARN } },
      },
      {
        Sid: 'LifecycleOpsDenyClosedListing',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:ListBucket', 's3:ListBucketVersions'],
        Resource: `arn:aws:s3:::${shared}`,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': OPS_ROLE_ARN }, StringLike: { 's3:prefix': ['acme/*'] } },
      },
    ]);
    const backup = await inventory.pool.query<{ policy: string | null }>(
      `SELECT policy FROM bucket_policy_backups WHERE customer_id = 'acme' AND bucket = $1`,
      [shared],
    );
    expect(backup.rows).toEqual([{ policy: THIRD_PARTY_POLICY }]);

    expect(await s3.restoreS3Access(acme)).toEqual({ changed: true });
    expect(await s3.restoreS3Access(acme)).toEqual({ changed: false });
    expect(await policy(clients.s3, shared)).toEqual(JSON.parse(THIRD_PARTY_POLICY));
    expect(await policyText(clients.s3, shared)).toBe(THIRD_PARTY_POLICY);
    const left = await inventory.pool.query(`SELECT 1 FROM bucket_policy_backups WHERE bucket = $1`, [shared]);
    expect(left.rowCount).toBe(0);
  });

  it('keeps two customers of one bucket apart, closed at the same time and restored in either order', async () => {
    const acme = { customerId: 'acme', bucket: shared, prefix: 'acme/' };
    const corp = { customerId: 'acme-corp', bucket: shared, prefix: 'acme-corp/' };
    // Concurrent read-modify-write of one policy: the per-bucket lock must keep both statements.
    const results = await Promise.all([s3.closeS3Access({ ...acme, dedicated: false }), s3.closeS3Access({ ...corp, dedicated: false })]);
    expect(results).toEqual([{ changed: true }, { changed: true }]);
    // One statement pair for the bucket, listing both customers' prefixes.
    const both = await policy(clients.s3, shared);
    expect(both.Statement.map((s) => s.Sid)).toEqual(['AnalyticsReadsNeighbour', 'LifecycleOpsDenyClosedPrefixes', 'LifecycleOpsDenyClosedListing']);
    expect(both.Statement[1]!.Resource).toEqual([`arn:aws:s3:::${shared}/acme-corp/*`, `arn:aws:s3:::${shared}/acme/*`]);

    expect(await s3.restoreS3Access(acme)).toEqual({ changed: true });
    const corpOnly = await policy(clients.s3, shared);
    expect(corpOnly.Statement.map((s) => s.Sid)).toEqual(['AnalyticsReadsNeighbour', 'LifecycleOpsDenyClosedPrefixes', 'LifecycleOpsDenyClosedListing']);
    expect(corpOnly.Statement[1]!.Resource).toEqual([`arn:aws:s3:::${shared}/acme-corp/*`]);
    expect(await s3.restoreS3Access(corp)).toEqual({ changed: true });
    expect(await policyText(clients.s3, shared)).toBe(THIRD_PARTY_POLICY);
  });

  it('really closes: only the ops role still reaches acme/, and acme-corp/ stays open to everyone', async () => {
    for (const Key of ['acme/a.csv', 'acme-corp/b.csv']) await clients.s3.send(new PutObjectCommand({ Bucket: shared, Key, Body: Key }));
    // The local moto takes a caller's principal from its access key: `test` is the ops role, others are IAM users.
    const customer = new S3Client({
      region: 'us-east-1',
      endpoint: stack().motoEndpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'acme-analyst', secretAccessKey: 'x' },
    });
    const asCustomer = createS3Activities({ s3: customer, db: inventory.pool, sts: clients.sts }, { opsRoleArn: OPS_ROLE_ARN });
    const acme = { customerId: 'acme', bucket: shared, prefix: 'acme/' };
    const read = (client: S3Client, Key: string) =>
      client.send(new GetObjectCommand({ Bucket: shared, Key })).then(
        async (out) => out.Body!.transformToString(),
        (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode,
      );
    try {
      expect(await read(customer, 'acme/a.csv')).toBe('acme/a.csv');
      await s3.closeS3Access({ ...acme, dedicated: false });
      expect(await read(customer, 'acme/a.csv')).toBe(403);
      expect(await read(customer, 'acme-corp/b.csv')).toBe('acme-corp/b.csv');
      expect(await read(clients.s3, 'acme/a.csv')).toBe('acme/a.csv');

      // A worker that is not the ops role fails for good, changing nothing.
      const before = await snapshot(clients.s3, shared, '');
      await expectNonRetryable(asCustomer.archiveS3Page({ ...acme, storageClass: 'GLACIER' }), 'S3AccessDenied', /access denied to s3:\/\/.*\/acme\/a\.csv@/);
      await expectNonRetryable(asCustomer.purgeS3Page(acme), 'S3DeleteFailed', /AccessDenied/);
      expect(await snapshot(clients.s3, shared, '')).toEqual(before);
      // The ops role archives behind the closed policy.
      expect(await s3.archiveS3Page({ ...acme, storageClass: 'GLACIER' })).toMatchObject({ archived: 1 });
      expect(await s3.restoreS3Access(acme)).toEqual({ changed: true });
      // Open again, but archived: GetObject answers 403 InvalidObjectState until restored from Glacier.
      await expect(customer.send(new GetObjectCommand({ Bucket: shared, Key: 'acme/a.csv' }))).rejects.toMatchObject({ name: 'InvalidObjectState' });
    } finally {
      await s3.restoreS3Access(acme);
      customer.destroy();
    }
  });

  it('refuses a whole-bucket close of a shared bucket, changing nothing', async () => {
    await expectNonRetryable(
      s3.closeS3Access({ customerId: 'acme', bucket: shared, prefix: 'acme/', dedicated: true }),
      OWNERSHIP_VIOLATION,
      /shared in the inventory/,
    );
    expect(await policyText(clients.s3, shared)).toBe(THIRD_PARTY_POLICY);
  });

  it('closes a dedicated bucket without a policy and deletes the policy again on restore', async () => {
    const solo = { customerId: 'solo', bucket: dedicated, prefix: '' };
    expect(await policyText(clients.s3, dedicated)).toBeUndefined();
    expect(await s3.closeS3Access({ ...solo, dedicated: true })).toEqual({ changed: true });
    expect(await s3.closeS3Access({ ...solo, dedicated: true })).toEqual({ changed: false });
    expect(await policy(clients.s3, dedicated)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'LifecycleOpsDeny-solo',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${dedicated}`, `arn:aws:s3:::${dedicated}/*`],
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': OPS_ROLE_ARN } },
        },
      ],
    });
    const backup = await inventory.pool.query(`SELECT policy FROM bucket_policy_backups WHERE customer_id = 'solo'`);
    expect(backup.rows).toEqual([{ policy: null }]);

    expect(await s3.restoreS3Access(solo)).toEqual({ changed: true });
    await expect(clients.s3.send(new GetBucketPolicyCommand({ Bucket: dedicated }))).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
    expect(await s3.restoreS3Access(solo)).toEqual({ changed: false });
  });

  it('closes 60 customers of one shared bucket within one statement pair, and reopens to the original bytes', async () => {
    const crowd = bucketName('access-crowd');
    await createBucket(clients.s3, crowd);
    await clients.s3.send(new PutBucketPolicyCommand({ Bucket: crowd, Policy: THIRD_PARTY_POLICY.replaceAll(shared, crowd) }));
    const ids = Array.from({ length: 60 }, (_, i) => `tenant-${String(i).padStart(3, '0')}-${backend}`);
    await addCustomers(inventory.pool, ids.map((id) => customerSchema.parse({ id, name: id, organization: id, resources: [{ kind: 's3', bucket: crowd, prefix: `customers/${id}/` }] })));
    for (const id of ids) expect(await s3.closeS3Access({ customerId: id, bucket: crowd, prefix: `customers/${id}/`, dedicated: false })).toEqual({ changed: true });
    const text = (await policyText(clients.s3, crowd))!;
    // The per-customer pairs of earlier versions passed S3's 20 KB after about 33 customers.
    expect(Buffer.byteLength(text)).toBeLessThan(20 * 1024);
    const closed = JSON.parse(text) as { Statement: { Sid?: string; Resource?: unknown }[] };
    expect(closed.Statement).toHaveLength(3);
    expect(closed.Statement[1]!.Resource).toHaveLength(60);
    for (const id of ids) await s3.restoreS3Access({ customerId: id, bucket: crowd, prefix: `customers/${id}/` });
    expect(await policyText(clients.s3, crowd)).toBe(THIRD_PARTY_POLICY.replaceAll(shared, crowd));
  });

  it('refuses for good, loudly and changing nothing, a close that would pass S3\'s 20 KB policy limit', async () => {
    const full = bucketName('access-full');
    await createBucket(clients.s3, full);
    // A third party's policy that leaves less room than one more statement pair needs.
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Big', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:role/analytics' }, Action: 's3:GetObject', Resource: Array.from({ length: 360 }, (_, i) => `arn:aws:s3:::${full}/reports/r-${String(i).padStart(4, '0')}/*`) }],
    });
    expect(Buffer.byteLength(big)).toBeGreaterThan(19_500);
    await clients.s3.send(new PutBucketPolicyCommand({ Bucket: full, Policy: big }));
    const id = `crowded-${backend}`;
    await addCustomers(inventory.pool, [customerSchema.parse({ id, name: id, organization: id, resources: [{ kind: 's3', bucket: full, prefix: `${id}/` }] })]);
    await expectNonRetryable(
      s3.closeS3Access({ customerId: id, bucket: full, prefix: `${id}/`, dedicated: false }),
      'S3PolicyTooLarge',
      /over S3's 20480-byte limit .* the data is NOT closed/,
    );
    expect(await policyText(clients.s3, full)).toBe(big);
    expect((await inventory.pool.query(`SELECT 1 FROM bucket_policy_backups WHERE customer_id = $1`, [id])).rowCount).toBe(0);
  });

  it('will not write a Deny when the worker is not the ops role (it would lock itself out)', async () => {
    const other = createS3Activities(clients, { opsRoleArn: 'arn:aws:iam::123456789012:role/someone-else' });
    await expectNonRetryable(
      other.closeS3Access({ customerId: 'acme', bucket: shared, prefix: 'acme/', dedicated: false }),
      'OpsRoleMismatch',
      /runs as arn:aws:sts::123456789012:assumed-role\/lifecycle-ops\/test, not as the ops role arn:aws:iam::123456789012:role\/someone-else/,
    );
    expect(await policyText(clients.s3, shared)).toBe(THIRD_PARTY_POLICY);
  });
});
