import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNERSHIP_VIOLATION } from '../../../activities/inventory/ownership.js';
import type { WarehouseTarget } from '../../../activities/warehouse/index.js';
import { awsName, expectNonRetryable, warehouseHarness, type Harness } from './fixtures.js';

describe('warehouse refusals (moto + PostgreSQL)', () => {
  const shared = awsName('shared-dw');
  const sharedInstance = awsName('shared-db');
  const acmeCluster = awsName('acme-dw');
  const globexCluster = awsName('globex-dw');
  const globexInstance = awsName('globex-db');
  const unlisted = awsName('unlisted-dw');
  let h: Harness;
  let before: Record<string, { exists: boolean; snapshots: string[] }>;

  /** What moto holds for every cluster and instance of this file. */
  async function state() {
    const clusters = [shared, acmeCluster, globexCluster, unlisted];
    const instances = [sharedInstance, globexInstance];
    const entries = await Promise.all([
      ...clusters.map(async (id) => [id, { exists: await h.clusterExists(id), snapshots: await h.clusterSnapshots(id) }] as const),
      ...instances.map(async (id) => [id, { exists: await h.instanceExists(id), snapshots: await h.instanceSnapshots(id) }] as const),
    ]);
    return Object.fromEntries(entries);
  }

  beforeAll(async () => {
    h = await warehouseHarness([
      {
        id: 'acme',
        name: 'Acme',
        organization: 'Acme Inc',
        resources: [
          { kind: 'redshift', clusterId: shared, dedicated: false },
          { kind: 'rds', instanceId: sharedInstance, dedicated: false },
          { kind: 'redshift', clusterId: acmeCluster },
        ],
      },
      {
        id: 'globex',
        name: 'Globex',
        organization: 'Globex Corp',
        resources: [
          { kind: 'redshift', clusterId: globexCluster },
          { kind: 'rds', instanceId: globexInstance },
        ],
      },
    ]);
    await Promise.all([
      h.createCluster(shared),
      h.createInstance(sharedInstance),
      h.createCluster(acmeCluster),
      h.createCluster(globexCluster),
      h.createInstance(globexInstance),
      h.createCluster(unlisted),
    ]);
    await Promise.all([
      h.createClusterSnapshot(shared, `${shared}-manual`),
      h.createClusterSnapshot(globexCluster, `${globexCluster}-manual`),
      h.createInstanceSnapshot(globexInstance, `${globexInstance}-manual`),
    ]);
    before = await state();
  });
  afterAll(async () => h?.close());

  const refusals: [string, () => WarehouseTarget, RegExp][] = [
    ['a shared cluster', () => ({ customerId: 'acme', kind: 'redshift', identifier: shared }), /is shared/],
    ['a shared instance', () => ({ customerId: 'acme', kind: 'rds', identifier: sharedInstance }), /is shared/],
    ["another customer's cluster", () => ({ customerId: 'acme', kind: 'redshift', identifier: globexCluster }), /not in the inventory of customer acme/],
    ["another customer's instance", () => ({ customerId: 'acme', kind: 'rds', identifier: globexInstance }), /not in the inventory of customer acme/],
    ['a cluster in no inventory', () => ({ customerId: 'acme', kind: 'redshift', identifier: unlisted }), /not in the inventory/],
    ['an unknown customer', () => ({ customerId: 'initech', kind: 'redshift', identifier: acmeCluster }), /not in the inventory of customer initech/],
    ['a malformed customer id', () => ({ customerId: 'Acme; DROP', kind: 'redshift', identifier: acmeCluster }), /malformed customer id/],
    ['a malformed identifier', () => ({ customerId: 'acme', kind: 'redshift', identifier: `${acmeCluster}*` }), /not in the inventory/],
    [
      'an unknown kind',
      () => ({ customerId: 'acme', kind: 's3', identifier: acmeCluster }) as unknown as WarehouseTarget,
      /unknown warehouse kind/,
    ],
  ];

  for (const [what, target, message] of refusals) {
    it(`refuses ${what}, for good, changing nothing`, async () => {
      for (const activity of ['snapshotAndRemove', 'planWarehouse', 'purgeWarehouse', 'closeWarehouseAccess', 'restoreWarehouseAccess'] as const) {
        await expectNonRetryable(h.run(activity, target()), OWNERSHIP_VIOLATION, message);
      }
      expect(await state()).toEqual(before);
    });
  }

  it('refuses verification with a malformed customer id', async () => {
    const target: WarehouseTarget = { customerId: '../acme', kind: 'redshift', identifier: acmeCluster };
    await expectNonRetryable(h.run('verifyWarehousePurged', target), OWNERSHIP_VIOLATION, /malformed/);
    await expectNonRetryable(h.run('verifyWarehouseArchived', target), OWNERSHIP_VIOLATION, /malformed/);
  });

  it('still archives what is really acme’s, with the neighbours intact', async () => {
    await h.run('snapshotAndRemove', { customerId: 'acme', kind: 'redshift', identifier: acmeCluster });
    const after = await state();
    expect(after[acmeCluster]).toMatchObject({ exists: false, snapshots: [expect.stringContaining('lifecycle-final-acme-')] });
    for (const id of [shared, sharedInstance, globexCluster, globexInstance, unlisted]) expect(after[id]).toEqual(before[id]);
  });
});
