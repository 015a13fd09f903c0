import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { assertDedicatedOwned } from '../inventory/ownership.js';
import { heartbeat, logInfo, whileHeartbeating } from './activity-context.js';
import type { WarehouseContext } from './context.js';
import { WAREHOUSE_AWS_UNAVAILABLE } from './errors.js';
import { checkLocation, notFound, recordLocation } from './location.js';
import { assertNotAnothers } from './refusals.js';
import type { WarehouseAccess } from './service.js';
import type { CloseAccessResult, RestoreAccessResult, WarehouseAccessChange, WarehouseAccessSettings, WarehouseTarget } from './types.js';

const NOTHING_CHANGED: WarehouseAccessChange = { publiclyAccessible: false, securityGroups: false, snapshotShares: [] };

/**
 * Closes a dedicated cluster/instance for the hold: not publicly accessible, its security groups swapped for one
 * that admits nothing, its manual snapshots shared with no one. What it finds open is recorded before anything
 * changes, so restoreWarehouseAccess puts back exactly that. Safe to repeat: a repeat adds to the record
 * whatever is open again (someone reopened it) and never forgets what an earlier attempt recorded.
 */
export async function closeWarehouseAccess(ctx: WarehouseContext, target: WarehouseTarget): Promise<CloseAccessResult> {
  const { db, service, network } = ctx;
  const { customerId, kind, identifier } = target;
  await assertDedicatedOwned(db, customerId, kind, identifier);
  const here = await ctx.here();
  const row = await checkLocation(db, target, here);

  const access = await service.describeAccess(identifier);
  if (!access) {
    if (row?.warehouse_removed_by) {
      return { ...here, exists: false, saved: null, changed: NOTHING_CHANGED, closedSecurityGroupId: null, notClosed: [] };
    }
    throw notFound(service.noun, target, here);
  }
  await recordLocation(db, target, here);
  assertNotAnothers(await service.listSnapshots(identifier), customerId);

  // No security groups at all (only a cluster outside a VPC, which AWS no longer has): nothing to swap.
  const closedGroupId = access.securityGroupIds.length ? await network.closedGroupFor(access.securityGroupIds) : null;
  const shares = await service.snapshotShares(identifier);
  const open: WarehouseAccessSettings = {
    publiclyAccessible: access.publiclyAccessible,
    securityGroupIds: access.securityGroupIds.filter((id) => id !== closedGroupId),
    snapshotShares: shares,
  };
  const saved = await saveAccess(db, target, open, closedGroupId);

  const modify: { publiclyAccessible?: boolean; securityGroupIds?: string[] } = {};
  if (access.publiclyAccessible) modify.publiclyAccessible = false;
  if (closedGroupId && !onlyGroup(access, closedGroupId)) modify.securityGroupIds = [closedGroupId];
  await applyAndWait(ctx, identifier, modify);
  for (const [snapshotId, accounts] of Object.entries(shares)) {
    heartbeat({ step: 'revoking snapshot shares', snapshotId });
    await service.unshareSnapshot(identifier, snapshotId, accounts);
  }

  // Report closed only what AWS now shows closed; a retry re-applies the rest.
  const after = await service.describeAccess(identifier);
  if (!after) throw notFound(service.noun, target, here);
  if (after.publiclyAccessible || (closedGroupId && !onlyGroup(after, closedGroupId))) {
    throw ApplicationFailure.retryable(
      `${service.noun} ${identifier} still shows public access ${after.publiclyAccessible} and security groups ${after.securityGroupIds.join(', ')}`,
      WAREHOUSE_AWS_UNAVAILABLE,
    );
  }
  const changed = { publiclyAccessible: 'publiclyAccessible' in modify, securityGroups: 'securityGroupIds' in modify, snapshotShares: Object.keys(shares) };
  logInfo('closed warehouse access', { customerId, kind, identifier, changed });
  return { ...here, exists: true, saved, changed, closedSecurityGroupId: closedGroupId, notClosed: [...service.notClosable] };
}

/**
 * Puts back what closeWarehouseAccess recorded, and nothing else: a security group someone attached during
 * the hold stays, only the closed group goes. Safe to repeat; without a record it changes nothing.
 */
export async function restoreWarehouseAccess(ctx: WarehouseContext, target: WarehouseTarget): Promise<RestoreAccessResult> {
  const { db, service } = ctx;
  const { customerId, kind, identifier } = target;
  await assertDedicatedOwned(db, customerId, kind, identifier);
  const here = await ctx.here();
  await checkLocation(db, target, here);

  const record = await activeRecord(db, target);
  if (!record) return { ...here, restored: false, changed: NOTHING_CHANGED, skippedSnapshots: [] };
  const access = await service.describeAccess(identifier);
  if (!access) throw notFound(service.noun, target, here);
  const { saved, closedGroupId } = record;

  const modify: { publiclyAccessible?: boolean; securityGroupIds?: string[] } = {};
  if (saved.publiclyAccessible && !access.publiclyAccessible) modify.publiclyAccessible = true;
  if (saved.securityGroupIds.length) {
    const wanted = union(saved.securityGroupIds, access.securityGroupIds.filter((id) => id !== closedGroupId));
    if (!sameSet(wanted, access.securityGroupIds)) modify.securityGroupIds = wanted;
  }
  await applyAndWait(ctx, identifier, modify);

  const sharedAgain: string[] = [];
  const skippedSnapshots: string[] = [];
  for (const [snapshotId, accounts] of Object.entries(saved.snapshotShares)) {
    heartbeat({ step: 'restoring snapshot shares', snapshotId });
    const added = await service.shareSnapshot(identifier, snapshotId, accounts);
    if (added === undefined) skippedSnapshots.push(snapshotId);
    else if (added.length) sharedAgain.push(snapshotId);
  }
  await db.query(
    `UPDATE warehouse_access_backups SET restored_at = now()
      WHERE customer_id = $1 AND kind = $2 AND identifier = $3 AND restored_at IS NULL`,
    [customerId, kind, identifier],
  );
  const changed = { publiclyAccessible: 'publiclyAccessible' in modify, securityGroups: 'securityGroupIds' in modify, snapshotShares: sharedAgain };
  logInfo('restored warehouse access', { customerId, kind, identifier, changed, skippedSnapshots });
  return { ...here, restored: true, changed, skippedSnapshots };
}

async function applyAndWait(
  ctx: WarehouseContext,
  identifier: string,
  modify: { publiclyAccessible?: boolean; securityGroupIds?: string[] },
): Promise<void> {
  if (!Object.keys(modify).length) return;
  await ctx.service.modifyAccess(identifier, modify);
  await whileHeartbeating({ step: 'waiting for the modification', identifier }, (signal) => ctx.service.waitUntilAvailable(identifier, signal));
}

interface BackupRow {
  previous: WarehouseAccessSettings;
  closed_security_group_id: string | null;
  restored_at: Date | null;
}

/**
 * Records what is open now, merged into what an earlier attempt of this same closing recorded (a record
 * already restored belongs to an earlier termination and is replaced). The merge only adds, so two attempts
 * running at once cannot lose each other's findings.
 */
async function saveAccess(
  db: pg.Pool,
  target: WarehouseTarget,
  open: WarehouseAccessSettings,
  closedGroupId: string | null,
): Promise<WarehouseAccessSettings> {
  const key = [target.customerId, target.kind, target.identifier];
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const inserted = await client.query(
      `INSERT INTO warehouse_access_backups (customer_id, kind, identifier, previous, closed_security_group_id)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [...key, JSON.stringify(open), closedGroupId],
    );
    let saved = open;
    if (!inserted.rowCount) {
      const { rows } = await client.query<BackupRow>(
        `SELECT previous, closed_security_group_id, restored_at FROM warehouse_access_backups
          WHERE customer_id = $1 AND kind = $2 AND identifier = $3 FOR UPDATE`,
        key,
      );
      const row = rows[0]!;
      saved = row.restored_at === null ? merge(row.previous, open) : open;
      await client.query(
        `UPDATE warehouse_access_backups
            SET previous = $4, closed_security_group_id = COALESCE($5, closed_security_group_id),
                closed_at = CASE WHEN restored_at IS NULL THEN closed_at ELSE now() END, restored_at = NULL
          WHERE customer_id = $1 AND kind = $2 AND identifier = $3`,
        [...key, JSON.stringify(saved), closedGroupId],
      );
    }
    await client.query('COMMIT');
    return saved;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function activeRecord(db: pg.Pool, target: WarehouseTarget): Promise<{ saved: WarehouseAccessSettings; closedGroupId: string | null } | undefined> {
  const { rows } = await db.query<BackupRow>(
    `SELECT previous, closed_security_group_id, restored_at FROM warehouse_access_backups
      WHERE customer_id = $1 AND kind = $2 AND identifier = $3 AND restored_at IS NULL`,
    [target.customerId, target.kind, target.identifier],
  );
  const row = rows[0];
  return row ? { saved: row.previous, closedGroupId: row.closed_security_group_id } : undefined;
}

function merge(a: WarehouseAccessSettings, b: WarehouseAccessSettings): WarehouseAccessSettings {
  const snapshotShares = { ...a.snapshotShares };
  for (const [id, accounts] of Object.entries(b.snapshotShares)) snapshotShares[id] = union(snapshotShares[id] ?? [], accounts);
  return {
    publiclyAccessible: a.publiclyAccessible || b.publiclyAccessible,
    securityGroupIds: union(a.securityGroupIds, b.securityGroupIds),
    snapshotShares,
  };
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function onlyGroup(access: WarehouseAccess, groupId: string): boolean {
  return access.securityGroupIds.length === 1 && access.securityGroupIds[0] === groupId;
}
