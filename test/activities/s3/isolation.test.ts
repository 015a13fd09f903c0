import { GetBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNERSHIP_VIOLATION } from '../../../activities/inventory/ownership.js';
import { createS3Activities, type S3Target } from '../../../activities/s3/index.js';
import type { ClosableClients } from '../../../worker/clients.js';
import { BACKENDS, clientsOn, inventoryDatabase } from '../../helpers/inventory.js';
import { testConfig } from '../../helpers/stack.js';
import { bucketName, createBucket, expectNonRetryable, OPS_ROLE_ARN, snapshot, type S3Activities } from './fixtures.js';

// On both databases: the refusals read the inventory, and close/restore take the bucket lock, which holds the
// embedded database's only session.
describe.each(BACKENDS)('S3 isolation: refused requests change nothing (moto + %s)', (backend) => {
  const shared = bucketName('iso-shared');
  const dedicated = bucketName('iso-dedicated');
  const stranger = bucketName('iso-stranger');
  let inventory: Awaited<ReturnType<typeof inventoryDatabase>>;
  let clients: ClosableClients;
  let s3: S3Activities;

  beforeAll(async () => {
    inventory = await inventoryDatabase([
      { id: 'acme', name: 'Acme', organization: 'Acme Inc', resources: [{ kind: 's3', bucket: shared, prefix: 'acme/' }] },
      // A neighbour whose prefix starts with the same letters: allowed, since 'acme/' and 'acme-corp/' do not overlap.
      { id: 'acme-corp', name: 'Acme Corp', organization: 'Acme Corp', resources: [{ kind: 's3', bucket: shared, prefix: 'acme-corp/' }] },
      { id: 'solo', name: 'Solo', organization: 'Solo', resources: [{ kind: 's3', bucket: dedicated, prefix: '', dedicated: true }] },
    ], backend);
    clients = clientsOn(inventory.pool, testConfig({ database: { url: inventory.url } }));
    s3 = createS3Activities(clients, { opsRoleArn: OPS_ROLE_ARN });
    for (const bucket of [shared, dedicated, stranger]) await createBucket(clients.s3, bucket);
    const keys = [
      [shared, 'acme/a.csv'],
      [shared, 'acme/sub/b.csv'],
      [shared, 'acme-corp/c.csv'],
      [shared, 'acmeish/d.csv'],
      [shared, 'root.csv'],
      [dedicated, 'e.csv'],
      [stranger, 'acme/f.csv'],
    ];
    for (const [Bucket, Key] of keys) await clients.s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
  });
  afterAll(async () => {
    await clients?.close();
    await inventory?.close();
  });

  /** Everything in the three buckets plus their policies: nothing of it may change on a refusal. */
  async function world(): Promise<unknown> {
    const state: Record<string, unknown> = {};
    for (const bucket of [shared, dedicated, stranger]) {
      state[bucket] = Object.fromEntries(await snapshot(clients.s3, bucket, ''));
      state[`${bucket} policy`] = await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket })).then(
        (out) => out.Policy,
        (err: Error) => err.name,
      );
    }
    state.backups = (await inventory.pool.query('SELECT customer_id, bucket, policy FROM bucket_policy_backups')).rows;
    return state;
  }

  const refusals: [string, S3Target, RegExp][] = [
    ['an unknown customer', { customerId: 'nobody', bucket: shared, prefix: 'acme/' }, /not in the inventory of customer nobody/],
    ['a malformed customer id', { customerId: 'Acme!', bucket: shared, prefix: 'acme/' }, /malformed customer id/],
    ['a bucket not in the inventory', { customerId: 'acme', bucket: stranger, prefix: 'acme/' }, /not in the inventory/],
    ['an empty prefix on a shared bucket', { customerId: 'acme', bucket: shared, prefix: '' }, /not in the inventory/],
    ['a prefix without its trailing slash', { customerId: 'acme', bucket: shared, prefix: 'acme' }, /not in the inventory/],
    ['a prefix below its own, not in the inventory', { customerId: 'acme', bucket: shared, prefix: 'acme/sub/' }, /not in the inventory/],
    ["the neighbour's prefix", { customerId: 'acme', bucket: shared, prefix: 'acme-corp/' }, /not in the inventory of customer acme/],
    ['a prefix of a dedicated bucket not in the inventory', { customerId: 'solo', bucket: dedicated, prefix: 'x/' }, /not in the inventory/],
  ];

  it.each(refusals)('refuses %s in every activity that moves, deletes or closes', async (_what, target, message) => {
    const before = await world();
    await expectNonRetryable(s3.closeS3Access({ ...target, dedicated: false }), OWNERSHIP_VIOLATION, message);
    await expectNonRetryable(s3.closeS3Access({ ...target, dedicated: true }), OWNERSHIP_VIOLATION, message);
    await expectNonRetryable(s3.restoreS3Access(target), OWNERSHIP_VIOLATION, message);
    await expectNonRetryable(s3.archiveS3Page({ ...target, storageClass: 'GLACIER' }), OWNERSHIP_VIOLATION, message);
    await expectNonRetryable(s3.purgeS3Page(target), OWNERSHIP_VIOLATION, message);
    expect(await world()).toEqual(before);
  });

  it('refuses a prefix that reaches into another customer added to the inventory later', async () => {
    // The inventory refuses overlapping rows, so simulate one slipping in (e.g. a manual fix) behind its back.
    await inventory.pool.query(`INSERT INTO resources (customer_id, kind, bucket, prefix, dedicated) VALUES ('acme-corp', 's3', $1, 'acme/sub/', false)`, [shared]);
    try {
      const before = await world();
      const acme = { customerId: 'acme', bucket: shared, prefix: 'acme/' };
      await expectNonRetryable(s3.purgeS3Page(acme), OWNERSHIP_VIOLATION, /overlaps s3:\/\/.*\/acme\/sub\/ of customer acme-corp/);
      await expectNonRetryable(s3.archiveS3Page({ ...acme, storageClass: 'GLACIER' }), OWNERSHIP_VIOLATION, /overlaps/);
      await expectNonRetryable(s3.closeS3Access({ ...acme, dedicated: false }), OWNERSHIP_VIOLATION, /overlaps/);
      expect(await world()).toEqual(before);
    } finally {
      await inventory.pool.query(`DELETE FROM resources WHERE customer_id = 'acme-corp' AND prefix = 'acme/sub/'`);
    }
  });

  it('lets acme work on acme/ while acme-corp/ sits next to it, and touches only acme/', async () => {
    const neighbour = await snapshot(clients.s3, shared, 'acme-corp/');
    const plan = await s3.planS3Page({ customerId: 'acme', bucket: shared, prefix: 'acme/' });
    expect(plan).toMatchObject({ versions: 2, deleteMarkers: 0 });
    expect(await s3.purgeS3Page({ customerId: 'acme', bucket: shared, prefix: 'acme/' })).toMatchObject({ deletedVersions: 2, more: false });
    expect(await s3.verifyS3Purged({ customerId: 'acme', bucket: shared, prefix: 'acme/' })).toEqual({ remaining: 0, sample: [] });
    expect(await snapshot(clients.s3, shared, 'acme-corp/')).toEqual(neighbour);
    expect([...(await snapshot(clients.s3, shared, '')).keys()].sort()).toEqual(['acme-corp/c.csv', 'acmeish/d.csv', 'root.csv']);
  });
});
