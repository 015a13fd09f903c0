import { assertCustomerId, assertDedicatedOwned } from '../inventory/ownership.js';
import { heartbeat, logInfo, whileHeartbeating } from './activity-context.js';
import { checkedIn, type WarehouseContext } from './context.js';
import { checkLocation, notFound, recordLocation, recordRemoval } from './location.js';
import { assertDeletable, assertNotAnothers } from './refusals.js';
import type { WarehouseSnapshot } from './service.js';
import type { PurgeResult, PurgeVerification, WarehousePlan, WarehouseTarget } from './types.js';

/**
 * What a purge would remove, and where it looked; refuses like the purge would (a cluster/instance that is
 * neither there nor removed by the lifecycle included), so a dry run shows the refusal too.
 */
export async function planWarehouse(ctx: WarehouseContext, target: WarehouseTarget): Promise<WarehousePlan> {
  const { db, service } = ctx;
  const { customerId, kind, identifier } = target;
  await assertDedicatedOwned(db, customerId, kind, identifier);
  const here = await ctx.here();
  const row = await checkLocation(db, target, here);
  const [instance, snapshots] = await Promise.all([service.find(identifier), service.listSnapshots(identifier)]);
  if (instance) await recordLocation(db, target, here);
  else if (!row?.warehouse_removed_by) throw notFound(service.noun, target, here);
  return {
    exists: instance !== undefined,
    snapshots: manual(snapshots).map((s) => ({
      id: s.id,
      ...(s.sizeMb !== undefined ? { sizeMb: s.sizeMb } : {}),
      ...(s.createdAt !== undefined ? { createdAt: s.createdAt } : {}),
    })),
    checked: checkedIn(service, here),
  };
}

/**
 * Removes the cluster/instance (no final snapshot: the customer asked for nothing to remain), then every
 * manual snapshot of it. Automated snapshots go with the cluster/instance. Safe to repeat: what the lifecycle
 * already removed is skipped; a cluster/instance it did not remove and cannot find is an error, not a success.
 */
export async function purgeWarehouse(ctx: WarehouseContext, target: WarehouseTarget): Promise<PurgeResult> {
  const { db, service } = ctx;
  const { customerId, kind, identifier } = target;
  await assertDedicatedOwned(db, customerId, kind, identifier);
  const here = await ctx.here();
  const row = await checkLocation(db, target, here);
  // Refuse before deleting anything, not halfway through.
  assertNotAnothers(await service.listSnapshots(identifier), customerId);

  const instance = await service.find(identifier);
  if (instance) {
    assertDeletable(service, identifier, instance);
    // Recorded before the delete call, so a retry that finds it gone knows the purge removed it.
    await recordRemoval(db, target, here, 'purge');
    if (!instance.deleting) {
      await service.removeWithoutSnapshot(identifier);
      logInfo('deleting without a final snapshot', { customerId, kind, identifier });
    }
    await whileHeartbeating({ step: 'waiting for removal', identifier }, (signal) => service.waitUntilRemoved(identifier, signal));
  } else if (!row?.warehouse_removed_by) {
    throw notFound(service.noun, target, here);
  }

  const snapshots = manual(await service.listSnapshots(identifier));
  assertNotAnothers(snapshots, customerId);
  const deletedSnapshots: string[] = [];
  for (const snapshot of snapshots) {
    heartbeat({ step: 'deleting snapshots', done: deletedSnapshots.length, of: snapshots.length });
    if (await service.deleteSnapshot(snapshot)) deletedSnapshots.push(snapshot.id);
  }
  if (deletedSnapshots.length) logInfo('deleted snapshots', { customerId, kind, identifier, snapshots: deletedSnapshots });
  // Nothing is left to reopen: the record of closed access goes with it.
  await db.query(`DELETE FROM warehouse_access_backups WHERE customer_id = $1 AND kind = $2 AND identifier = $3`, [customerId, kind, identifier]);
  return { removedCluster: instance !== undefined, deletedSnapshots };
}

/**
 * Lists every place again, snapshots of any type included, and says where it looked. Read-only, so it checks
 * the input but not ownership: it must still answer after the inventory has recorded the removal. It does
 * refuse to look in another region or account than the inventory records.
 */
export async function verifyWarehousePurged(ctx: WarehouseContext, target: WarehouseTarget): Promise<PurgeVerification> {
  const { db, service } = ctx;
  const { customerId, kind, identifier } = target;
  assertCustomerId(customerId);
  const here = await ctx.here();
  await checkLocation(db, target, here);
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
    checked: checkedIn(service, here),
  };
}

function manual(snapshots: WarehouseSnapshot[]): WarehouseSnapshot[] {
  return snapshots.filter((s) => s.type === 'manual');
}
