import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DELETION_PROTECTED,
  FINAL_SNAPSHOT_MISSING,
  finalSnapshotId,
} from '../../../activities/warehouse/index.js';
import { awsName, expectNonRetryable, warehouseHarness, type Harness } from './fixtures.js';

describe('warehouse archive: snapshotAndRemove, verifyWarehouseArchived (moto + PostgreSQL)', () => {
  const cluster = awsName('acme-dw');
  const instance = awsName('acme-db');
  const vanished = awsName('acme-gone');
  const guarded = awsName('acme-guarded');
  const neighbourCluster = awsName('globex-dw');
  let h: Harness;
  let neighbourSnapshots: string[];

  beforeAll(async () => {
    h = await warehouseHarness([
      {
        id: 'acme',
        name: 'Acme',
        organization: 'Acme Inc',
        resources: [
          { kind: 'redshift', clusterId: cluster, dedicated: true },
          { kind: 'rds', instanceId: instance },
          { kind: 'redshift', clusterId: vanished },
          { kind: 'rds', instanceId: guarded },
        ],
      },
      { id: 'globex', name: 'Globex', organization: 'Globex Corp', resources: [{ kind: 'redshift', clusterId: neighbourCluster }] },
    ]);
    await Promise.all([h.createCluster(cluster), h.createInstance(instance), h.createCluster(neighbourCluster)]);
    await h.createClusterSnapshot(neighbourCluster, `${neighbourCluster}-manual`);
    // moto adds an automated snapshot too: compare against all of them.
    neighbourSnapshots = await h.clusterSnapshots(neighbourCluster);
    expect(neighbourSnapshots).toContain(`${neighbourCluster}-manual`);
  });
  afterAll(async () => h?.close());

  it('snapshots and removes a Redshift cluster, then finds the work done on a retry', async () => {
    const target = { customerId: 'acme', kind: 'redshift', identifier: cluster } as const;
    const snapshotId = finalSnapshotId('acme', cluster);
    expect(await h.run('verifyWarehouseArchived', target)).toMatchObject({ ok: false, detail: expect.stringMatching(/still exists/) });

    expect(await h.run('snapshotAndRemove', target)).toEqual({ snapshotId, removed: true });
    expect(await h.clusterExists(cluster)).toBe(false);
    expect(await h.clusterSnapshots(cluster)).toEqual([snapshotId]);
    expect(await h.clusterSnapshotTags(snapshotId)).toMatchObject({ 'customer-id': 'acme', 'lifecycle-ops': 'final' });
    expect(await h.run('verifyWarehouseArchived', target)).toEqual({ ok: true, detail: expect.stringContaining(snapshotId) });

    // A retry (or a replayed workflow step) changes nothing and says the cluster was already gone.
    expect(await h.run('snapshotAndRemove', target)).toEqual({ snapshotId, removed: false });
    expect(await h.clusterSnapshots(cluster)).toEqual([snapshotId]);
    expect(h.heartbeats.length).toBeGreaterThan(0);
  });

  it('snapshots and removes an RDS instance, idempotently', async () => {
    const target = { customerId: 'acme', kind: 'rds', identifier: instance } as const;
    const snapshotId = finalSnapshotId('acme', instance);

    expect(await h.run('snapshotAndRemove', target)).toEqual({ snapshotId, removed: true });
    expect(await h.instanceExists(instance)).toBe(false);
    // Automated backups went with the instance: only the final snapshot is left.
    expect(await h.instanceSnapshots(instance)).toEqual([snapshotId]);
    expect(await h.instanceSnapshotTags(snapshotId)).toMatchObject({ 'customer-id': 'acme', 'lifecycle-ops': 'final' });
    expect(await h.run('verifyWarehouseArchived', target)).toMatchObject({ ok: true });

    expect(await h.run('snapshotAndRemove', target)).toEqual({ snapshotId, removed: false });
    expect(await h.instanceSnapshots(instance)).toEqual([snapshotId]);
  });

  it('fails for good when the cluster is gone without its final snapshot: a human must look', async () => {
    const target = { customerId: 'acme', kind: 'redshift', identifier: vanished } as const;
    await expectNonRetryable(h.run('snapshotAndRemove', target), FINAL_SNAPSHOT_MISSING, /something else removed it/);
    expect(await h.run('verifyWarehouseArchived', target)).toMatchObject({ ok: false, detail: expect.stringMatching(/does not exist/) });
  });

  it('leaves an instance with deletion protection alone, for good', async () => {
    await h.createInstance(guarded, { deletionProtection: true });
    const target = { customerId: 'acme', kind: 'rds', identifier: guarded } as const;
    await expectNonRetryable(h.run('snapshotAndRemove', target), DELETION_PROTECTED, /deletion protection/);
    expect(await h.instanceExists(guarded)).toBe(true);
    expect(await h.instanceSnapshots(guarded)).not.toContain(finalSnapshotId('acme', guarded));
  });

  it("never touches the neighbour's cluster or its snapshots", async () => {
    expect(await h.clusterExists(neighbourCluster)).toBe(true);
    expect(await h.clusterSnapshots(neighbourCluster)).toEqual(neighbourSnapshots);
  });
});
