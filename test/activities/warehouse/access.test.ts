import { ModifyClusterCommand } from '@aws-sdk/client-redshift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNERSHIP_VIOLATION } from '../../../activities/inventory/ownership.js';
import { CLOSED_GROUP_NAME, WAREHOUSE_NOT_FOUND, type WarehouseTarget } from '../../../activities/warehouse/index.js';
import { awsName, expectNonRetryable, warehouseHarness, type Harness } from './fixtures.js';

const sorted = (...ids: string[]) => ids.sort();

describe('warehouse access: closeWarehouseAccess, restoreWarehouseAccess (moto + PostgreSQL)', () => {
  const cluster = awsName('acme-dw');
  const instance = awsName('acme-db');
  const privateInstance = awsName('acme-private');
  const missing = awsName('acme-typo');
  const shared = awsName('shared-dw');
  const neighbour = awsName('globex-dw');
  let h: Harness;
  /** Admits the world on 5439 and is attached to acme's and globex's clusters alike. */
  let platformGroup: string;
  let acmeGroup: string;
  let acmeDbGroup: string;

  beforeAll(async () => {
    h = await warehouseHarness([
      {
        id: 'acme',
        name: 'Acme',
        organization: 'Acme Inc',
        resources: [
          { kind: 'redshift', clusterId: cluster },
          { kind: 'rds', instanceId: instance },
          { kind: 'rds', instanceId: privateInstance },
          { kind: 'redshift', clusterId: missing },
          { kind: 'redshift', clusterId: shared, dedicated: false },
        ],
      },
      { id: 'globex', name: 'Globex', organization: 'Globex Corp', resources: [{ kind: 'redshift', clusterId: neighbour }] },
    ]);
    [platformGroup, acmeGroup, acmeDbGroup] = await Promise.all([
      h.createOpenSecurityGroup(awsName('platform'), 5439),
      h.createOpenSecurityGroup(awsName('acme-dw'), 5439),
      h.createOpenSecurityGroup(awsName('acme-db'), 5432),
    ]);
    await Promise.all([
      h.createCluster(cluster, { publiclyAccessible: true, securityGroupIds: [acmeGroup, platformGroup] }),
      h.createCluster(neighbour, { publiclyAccessible: true, securityGroupIds: [platformGroup] }),
      h.createCluster(shared, { publiclyAccessible: true, securityGroupIds: [platformGroup] }),
      h.createInstance(instance, { publiclyAccessible: true, securityGroupIds: [acmeDbGroup] }),
      h.createInstance(privateInstance, { publiclyAccessible: false, securityGroupIds: [acmeDbGroup] }),
    ]);
  });
  afterAll(async () => h?.close());

  it('closes a Redshift cluster without touching the security groups it shares, then restores exactly what it changed', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'redshift', identifier: cluster };
    const rulesBefore = await Promise.all([h.ingressOf(acmeGroup), h.ingressOf(platformGroup)]);

    const closed = await h.run('closeWarehouseAccess', target);
    expect(closed).toMatchObject({
      region: 'us-east-1',
      account: '123456789012',
      exists: true,
      saved: { publiclyAccessible: true, snapshotShares: {} },
      changed: { publiclyAccessible: true, securityGroups: true, snapshotShares: [] },
    });
    expect([...closed.saved!.securityGroupIds].sort()).toEqual(sorted(acmeGroup, platformGroup));
    expect(closed.notClosed).toEqual(expect.arrayContaining([expect.stringMatching(/database users/)]));
    const closedGroup = closed.closedSecurityGroupId!;
    expect(await h.groupName(closedGroup)).toBe(CLOSED_GROUP_NAME);
    expect(await h.ingressOf(closedGroup)).toEqual([]);
    expect(await h.clusterAccess(cluster)).toEqual({ publiclyAccessible: false, securityGroupIds: [closedGroup] });
    // The shared group still admits the neighbour: its rules are untouched, and so is the neighbour.
    expect(await Promise.all([h.ingressOf(acmeGroup), h.ingressOf(platformGroup)])).toEqual(rulesBefore);
    expect(await h.clusterAccess(neighbour)).toEqual({ publiclyAccessible: true, securityGroupIds: [platformGroup] });

    // A retry changes nothing and forgets nothing of what the first attempt recorded.
    const again = await h.run('closeWarehouseAccess', target);
    expect(again).toMatchObject({ saved: closed.saved, changed: { publiclyAccessible: false, securityGroups: false, snapshotShares: [] } });
    const { rows } = await h.db.query<{ previous: unknown; closed_security_group_id: string; restored_at: Date | null }>(
      `SELECT previous, closed_security_group_id, restored_at FROM warehouse_access_backups WHERE customer_id = 'acme' AND kind = 'redshift' AND identifier = $1`,
      [cluster],
    );
    expect(rows).toEqual([{ previous: closed.saved, closed_security_group_id: closedGroup, restored_at: null }]);

    const restored = await h.run('restoreWarehouseAccess', target);
    expect(restored).toMatchObject({ restored: true, changed: { publiclyAccessible: true, securityGroups: true }, skippedSnapshots: [] });
    expect(await h.clusterAccess(cluster)).toEqual({ publiclyAccessible: true, securityGroupIds: sorted(acmeGroup, platformGroup) });
    expect(await h.run('restoreWarehouseAccess', target)).toMatchObject({ restored: false, changed: { publiclyAccessible: false, securityGroups: false } });
    expect(await h.clusterAccess(cluster)).toEqual({ publiclyAccessible: true, securityGroupIds: sorted(acmeGroup, platformGroup) });
  });

  it('closes an RDS instance and its snapshot shares; restores them, keeping a change made during the hold', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'rds', identifier: instance };
    const snapshot = `${instance}-by-hand`;
    const unshared = `${instance}-private`;
    await h.createInstanceSnapshot(instance, snapshot);
    await h.createInstanceSnapshot(instance, unshared);
    await h.shareInstanceSnapshot(snapshot, ['111122223333', 'all']);

    const closed = await h.run('closeWarehouseAccess', target);
    expect(closed).toMatchObject({
      saved: { publiclyAccessible: true, securityGroupIds: [acmeDbGroup], snapshotShares: { [snapshot]: ['111122223333', 'all'] } },
      changed: { publiclyAccessible: true, securityGroups: true, snapshotShares: [snapshot] },
    });
    expect(await h.instanceAccess(instance)).toEqual({ publiclyAccessible: false, securityGroupIds: [closed.closedSecurityGroupId] });
    expect(await h.instanceSnapshotShares(snapshot)).toEqual([]);
    expect(await h.ingressOf(acmeDbGroup)).not.toEqual([]); // the group itself is left as it was

    // During the hold an operator shares the snapshot with an auditor: restore adds back, never takes away.
    await h.shareInstanceSnapshot(snapshot, ['444455556666']);
    const restored = await h.run('restoreWarehouseAccess', target);
    expect(restored).toMatchObject({ restored: true, changed: { publiclyAccessible: true, securityGroups: true, snapshotShares: [snapshot] } });
    expect(await h.instanceAccess(instance)).toEqual({ publiclyAccessible: true, securityGroupIds: [acmeDbGroup] });
    expect(await h.instanceSnapshotShares(snapshot)).toEqual(['111122223333', '444455556666', 'all']);
    expect(await h.instanceSnapshotShares(unshared)).toEqual([]);
  });

  it('leaves private what was private: restore undoes only what close changed', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'rds', identifier: privateInstance };
    const closed = await h.run('closeWarehouseAccess', target);
    expect(closed).toMatchObject({ saved: { publiclyAccessible: false }, changed: { publiclyAccessible: false, securityGroups: true } });
    await h.run('restoreWarehouseAccess', target);
    expect(await h.instanceAccess(privateInstance)).toEqual({ publiclyAccessible: false, securityGroupIds: [acmeDbGroup] });
  });

  it('closes again after a reopening during the hold, and restore still puts back the first state', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'redshift', identifier: cluster };
    const first = await h.run('closeWarehouseAccess', target);
    // Someone attaches a group by hand during the hold; a later close (a retry, a second termination step) catches it.
    await h.clients.redshift.send(
      new ModifyClusterCommand({ ClusterIdentifier: cluster, VpcSecurityGroupIds: [first.closedSecurityGroupId!, acmeDbGroup] }),
    );
    const second = await h.run('closeWarehouseAccess', target);
    expect(second.saved).toMatchObject({ publiclyAccessible: true, snapshotShares: {} });
    expect([...second.saved!.securityGroupIds].sort()).toEqual(sorted(acmeGroup, platformGroup, acmeDbGroup));
    expect(await h.clusterAccess(cluster)).toEqual({ publiclyAccessible: false, securityGroupIds: [first.closedSecurityGroupId] });
    await h.run('restoreWarehouseAccess', target);
    expect(await h.clusterAccess(cluster)).toEqual({ publiclyAccessible: true, securityGroupIds: sorted(acmeGroup, platformGroup, acmeDbGroup) });
  });

  it('fails for good on a cluster it cannot find, rather than calling it closed', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'redshift', identifier: missing };
    await expectNonRetryable(h.run('closeWarehouseAccess', target), WAREHOUSE_NOT_FOUND, /does not exist in region us-east-1 of account 123456789012/);
  });

  it('refuses shared and foreign warehouses, changing nothing', async () => {
    for (const activity of ['closeWarehouseAccess', 'restoreWarehouseAccess'] as const) {
      await expectNonRetryable(h.run(activity, { customerId: 'acme', kind: 'redshift', identifier: shared }), OWNERSHIP_VIOLATION, /is shared/);
      await expectNonRetryable(h.run(activity, { customerId: 'acme', kind: 'redshift', identifier: neighbour }), OWNERSHIP_VIOLATION, /not in the inventory/);
    }
    expect(await h.clusterAccess(shared)).toEqual({ publiclyAccessible: true, securityGroupIds: [platformGroup] });
    expect(await h.clusterAccess(neighbour)).toEqual({ publiclyAccessible: true, securityGroupIds: [platformGroup] });
  });
});
