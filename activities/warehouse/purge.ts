import type pg from 'pg';
import { assertCustomerId, assertDedicatedOwned } from '../inventory/ownership.js';
import { heartbeat, logInfo, whileHeartbeating } from './activity-context.js';
import { assertDeletable, assertNotAnothers } from './refusals.js';
import type { WarehouseService, WarehouseSnapshot } from './service.js';
import type { PurgeResult, PurgeVerification, WarehousePlan, WarehouseTarget } from './types.js';

/** What a purge would remove; refuses like the purge would, so a dry run shows the refusal too. */
export async function planWarehouse(db: pg.Pool, service: WarehouseService, target: WarehouseTarget): Promise<WarehousePlan> {
  const { customerId, kind, identifier } = target;
  await assertDedicatedOwned(db, customerId, kind, identifier);
  const [instance, snapshots] = await Promise.all([service.find(identifier), service.listSnapshots(identifier)]);
  return {
    exists: instance !== undefined,
    snapshots: manual(snapshots).map((s) => ({
      id: s.id,
      ...(s.sizeMb !== undefined ? { sizeMb: s.sizeMb } : {}),
      ...(s.createdAt !== undefined ? { createdAt: s.createdAt } : {}),
    })),
  };
}

/**
 * Removes the cluster/instance (no final snapshot: the customer asked for nothing to remain), then every
 * manual snapshot of it. Automated snapshots go with the cluster/instance. Safe to repeat: what is already
 * gone is skipped.
 */
export async function purgeWarehouse(db: pg.Pool, service: WarehouseService, target: WarehouseTarget): Promise<PurgeResult> {
  const { customerId, kind, identifier } = target;
  await assertDedicatedOwned(db, customerId, kind, identifier);
  // Refuse before deleting anything, not halfway through.
  assertNotAnothers(await service.listSnapshots(identifier), customerId);

  const instance = await service.find(identifier);
  if (instance) {
    assertDeletable(service, identifier, instance);
    if (!instance.deleting) {
      await service.removeWithoutSnapshot(identifier);
      logInfo('deleting without a final snapshot', { customerId, kind, identifier });
    }
    await whileHeartbeating({ step: 'waiting for removal', identifier }, (signal) => service.waitUntilRemoved(identifier, signal));
  }

  const snapshots = manual(await service.listSnapshots(identifier));
  assertNotAnothers(snapshots, customerId);
  const deletedSnapshots: string[] = [];
  for (const snapshot of snapshots) {
    heartbeat({ step: 'deleting snapshots', done: deletedSnapshots.length, of: snapshots.length });
    if (await service.deleteSnapshot(snapshot)) deletedSnapshots.push(snapshot.id);
  }
  if (deletedSnapshots.length) logInfo('deleted snapshots', { customerId, kind, identifier, snapshots: deletedSnapshots });
  return { removedCluster: instance !== undefined, deletedSnapshots };
}

/**
 * Lists every place again, snapshots of any type included. Read-only, so it checks the input but not the
 * inventory: it must still answer after the inventory has recorded the removal.
 */
export async function verifyWarehousePurged(service: WarehouseService, target: WarehouseTarget): Promise<PurgeVerification> {
  const { customerId, kind, identifier } = target;
  assertCustomerId(customerId);
  const [instance, snapshots, backups] = await Promise.all([
    service.find(identifier),
    service.listSnapshots(identifier),
    service.retainedBackups(identifier),
  ]);
  return {
    remaining: [
      ...(instance ? [`${kind}:${identifier} (${instance.status})`] : []),
      ...snapshots.map((s) => `${kind} snapshot:${s.id} (${s.type}, ${s.status})`),
      ...backups.map((b) => `${kind} retained automated backup:${b}`),
    ],
  };
}

function manual(snapshots: WarehouseSnapshot[]): WarehouseSnapshot[] {
  return snapshots.filter((s) => s.type === 'manual');
}
