import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalSnapshotId } from '../../../activities/warehouse/index.js';
import { awsName, checkedIn, warehouseHarness, type Harness } from './fixtures.js';

const NOTHING_LEFT = { redshift: { remaining: [], checked: checkedIn('redshift') }, rds: { remaining: [], checked: checkedIn('rds') } };

describe('warehouse purge: planWarehouse, purgeWarehouse, verifyWarehousePurged (moto + PostgreSQL)', () => {
  const archived = awsName('acme-dw');
  const held = awsName('acme-held');
  const heldInstance = awsName('acme-db');
  const neighbourCluster = awsName('globex-dw');
  const neighbourInstance = awsName('globex-db');
  let h: Harness;
  let neighbourSnapshots: string[][];

  beforeAll(async () => {
    h = await warehouseHarness([
      {
        id: 'acme',
        name: 'Acme',
        organization: 'Acme Inc',
        resources: [
          { kind: 'redshift', clusterId: archived },
          { kind: 'redshift', clusterId: held },
          { kind: 'rds', instanceId: heldInstance },
        ],
      },
      {
        id: 'globex',
        name: 'Globex',
        organization: 'Globex Corp',
        resources: [
          { kind: 'redshift', clusterId: neighbourCluster },
          { kind: 'rds', instanceId: neighbourInstance },
        ],
      },
    ]);
    await Promise.all([
      h.createCluster(archived),
      h.createCluster(held),
      h.createInstance(heldInstance),
      h.createCluster(neighbourCluster),
      h.createInstance(neighbourInstance),
    ]);
    await Promise.all([
      h.createClusterSnapshot(neighbourCluster, `${neighbourCluster}-manual`),
      h.createInstanceSnapshot(neighbourInstance, `${neighbourInstance}-manual`),
    ]);
    // moto adds automated snapshots too: compare against all of them.
    neighbourSnapshots = [await h.clusterSnapshots(neighbourCluster), await h.instanceSnapshots(neighbourInstance)];
    expect(neighbourSnapshots[0]).toContain(`${neighbourCluster}-manual`);
    expect(neighbourSnapshots[1]).toContain(`${neighbourInstance}-manual`);
  });
  afterAll(async () => h?.close());

  it('purges an archived cluster: the final snapshot and another manual snapshot go, verification finds nothing', async () => {
    const target = { customerId: 'acme', kind: 'redshift', identifier: archived } as const;
    const finalId = finalSnapshotId('acme', archived);
    await h.createClusterSnapshot(archived, `${archived}-by-hand`);
    await h.run('snapshotAndRemove', target);

    const plan = await h.run('planWarehouse', target);
    expect(plan.exists).toBe(false);
    expect(plan.snapshots.map((s) => s.id).sort()).toEqual([`${archived}-by-hand`, finalId].sort());
    expect(plan.snapshots.every((s) => typeof s.createdAt === 'string')).toBe(true);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan); // crosses Temporal as JSON

    const purged = await h.run('purgeWarehouse', target);
    expect(purged.removedCluster).toBe(false);
    expect(purged.deletedSnapshots.sort()).toEqual([`${archived}-by-hand`, finalId].sort());
    expect(await h.clusterSnapshots(archived)).toEqual([]);
    expect(await h.run('verifyWarehousePurged', target)).toEqual(NOTHING_LEFT.redshift);
    expect(await h.run('verifyWarehouseArchived', target)).toMatchObject({ ok: false });

    // Again: nothing left to do, nothing fails.
    expect(await h.run('purgeWarehouse', target)).toEqual({ removedCluster: false, deletedSnapshots: [] });
    expect(await h.run('planWarehouse', target)).toEqual({ exists: false, snapshots: [], checked: checkedIn('redshift') });
  });

  it('purges from the held stage: the cluster itself (no final snapshot) and its manual snapshots', async () => {
    const target = { customerId: 'acme', kind: 'redshift', identifier: held } as const;
    await h.createClusterSnapshot(held, `${held}-by-hand`);
    const verifyBefore = await h.run('verifyWarehousePurged', target);
    expect(verifyBefore.remaining).toEqual(
      expect.arrayContaining([expect.stringContaining(`redshift:${held}`), expect.stringContaining(`${held}-by-hand`)]),
    );
    expect(await h.run('planWarehouse', target)).toMatchObject({ exists: true, snapshots: [{ id: `${held}-by-hand` }] });

    expect(await h.run('purgeWarehouse', target)).toEqual({ removedCluster: true, deletedSnapshots: [`${held}-by-hand`] });
    expect(await h.clusterExists(held)).toBe(false);
    expect(await h.clusterSnapshots(held)).toEqual([]);
    expect(await h.run('verifyWarehousePurged', target)).toEqual(NOTHING_LEFT.redshift);
  });

  it('purges a held RDS instance and its manual snapshots', async () => {
    const target = { customerId: 'acme', kind: 'rds', identifier: heldInstance } as const;
    await h.createInstanceSnapshot(heldInstance, `${heldInstance}-by-hand`);
    expect(await h.run('planWarehouse', target)).toMatchObject({ exists: true, snapshots: [{ id: `${heldInstance}-by-hand` }], checked: checkedIn('rds') });

    expect(await h.run('purgeWarehouse', target)).toEqual({ removedCluster: true, deletedSnapshots: [`${heldInstance}-by-hand`] });
    expect(await h.instanceExists(heldInstance)).toBe(false);
    expect(await h.instanceSnapshots(heldInstance)).toEqual([]);
    expect(await h.run('verifyWarehousePurged', target)).toEqual(NOTHING_LEFT.rds);
    expect(await h.run('purgeWarehouse', target)).toEqual({ removedCluster: false, deletedSnapshots: [] });
  });

  it("leaves the neighbour's cluster, instance and snapshots as they were", async () => {
    expect(await h.clusterExists(neighbourCluster)).toBe(true);
    expect(await h.clusterSnapshots(neighbourCluster)).toEqual(neighbourSnapshots[0]);
    expect(await h.instanceExists(neighbourInstance)).toBe(true);
    expect(await h.instanceSnapshots(neighbourInstance)).toEqual(neighbourSnapshots[1]);
  });
});
