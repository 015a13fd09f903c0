import { CreateClusterCommand, DescribeClustersCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FINAL_SNAPSHOT_MISSING,
  WAREHOUSE_LOCATION_MISMATCH,
  WAREHOUSE_NOT_FOUND,
  type WarehouseTarget,
} from '../../../activities/warehouse/index.js';
import { stack } from '../../helpers/stack.js';
import { awsName, checkedIn, expectNonRetryable, warehouseHarness, type Harness } from './fixtures.js';

describe('warehouse location: where a warehouse is, and not finding it (moto + PostgreSQL)', () => {
  const typo = awsName('acme-dw-typo');
  const typoInstance = awsName('acme-db-typo');
  const elsewhere = awsName('acme-west');
  const archived = awsName('acme-archived');
  const moved = awsName('acme-moved');
  let h: Harness;
  let west: RedshiftClient;

  async function location(identifier: string) {
    const { rows } = await h.db.query<{ region: string | null; account: string | null; warehouse_removed_by: string | null }>(
      `SELECT region, account, warehouse_removed_by FROM resources WHERE cluster_id = $1 OR instance_id = $1`,
      [identifier],
    );
    return rows[0];
  }

  beforeAll(async () => {
    h = await warehouseHarness([
      {
        id: 'acme',
        name: 'Acme',
        organization: 'Acme Inc',
        resources: [
          { kind: 'redshift', clusterId: typo },
          { kind: 'rds', instanceId: typoInstance },
          { kind: 'redshift', clusterId: elsewhere },
          { kind: 'redshift', clusterId: archived },
          { kind: 'redshift', clusterId: moved },
        ],
      },
    ]);
    // The same moto, another region: the worker's clients are in us-east-1.
    west = new RedshiftClient({ region: 'us-west-2', endpoint: stack().motoEndpoint });
    await west.send(
      new CreateClusterCommand({
        ClusterIdentifier: elsewhere,
        NodeType: 'dc2.large',
        ClusterType: 'single-node',
        MasterUsername: 'admin',
        MasterUserPassword: 'Passw0rd-123',
      }),
    );
    await Promise.all([h.createCluster(archived), h.createCluster(moved)]);
  });
  afterAll(async () => {
    west?.destroy();
    await h?.close();
  });

  it('refuses to plan or purge a cluster that is not there and was not removed by the lifecycle (a typo)', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'redshift', identifier: typo };
    for (const activity of ['planWarehouse', 'purgeWarehouse'] as const) {
      await expectNonRetryable(h.run(activity, target), WAREHOUSE_NOT_FOUND, /does not exist in region us-east-1 of account 123456789012/);
    }
    await expectNonRetryable(h.run('snapshotAndRemove', target), FINAL_SNAPSHOT_MISSING);
    expect(await location(typo)).toEqual({ region: null, account: null, warehouse_removed_by: null });
  });

  it('the same for an RDS instance', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'rds', identifier: typoInstance };
    for (const activity of ['planWarehouse', 'purgeWarehouse'] as const) {
      await expectNonRetryable(h.run(activity, target), WAREHOUSE_NOT_FOUND, /RDS instance .* does not exist/);
    }
  });

  it('refuses a cluster that lives in another region than the worker works in, and leaves it there', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'redshift', identifier: elsewhere };
    for (const activity of ['planWarehouse', 'purgeWarehouse'] as const) {
      await expectNonRetryable(h.run(activity, target), WAREHOUSE_NOT_FOUND, /region us-east-1/);
    }
    const out = await west.send(new DescribeClustersCommand({ ClusterIdentifier: elsewhere }));
    expect(out.Clusters?.[0]?.ClusterStatus).toBe('available');
  });

  it('records region, account and the archive’s removal; a purge after the archive is then no surprise', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'redshift', identifier: archived };
    await h.run('snapshotAndRemove', target);
    expect(await location(archived)).toEqual({ region: 'us-east-1', account: '123456789012', warehouse_removed_by: 'archive' });
    expect(await h.run('planWarehouse', target)).toMatchObject({ exists: false, checked: checkedIn('redshift') });
    expect(await h.run('purgeWarehouse', target)).toMatchObject({ removedCluster: false });
  });

  it('refuses every warehouse activity once the inventory records another region or account', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'redshift', identifier: moved };
    await h.run('planWarehouse', target);
    expect(await location(moved)).toEqual({ region: 'us-east-1', account: '123456789012', warehouse_removed_by: null });

    await h.db.query(`UPDATE resources SET region = 'eu-west-1' WHERE cluster_id = $1`, [moved]);
    const activities = ['planWarehouse', 'purgeWarehouse', 'snapshotAndRemove', 'verifyWarehousePurged', 'closeWarehouseAccess', 'restoreWarehouseAccess'] as const;
    for (const activity of activities) {
      await expectNonRetryable(h.run(activity, target), WAREHOUSE_LOCATION_MISMATCH, /recorded in region eu-west-1 of account 123456789012/);
    }
    await h.db.query(`UPDATE resources SET region = 'us-east-1', account = '999999999999' WHERE cluster_id = $1`, [moved]);
    await expectNonRetryable(h.run('purgeWarehouse', target), WAREHOUSE_LOCATION_MISMATCH, /account 999999999999/);
    expect(await h.clusterExists(moved)).toBe(true);
  });
});
