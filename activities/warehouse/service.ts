import type { WarehouseListing } from './types.js';

/**
 * What archive, purge and access closing need from a warehouse service. Redshift and RDS each implement it, so the
 * lifecycle logic (idempotency, refusals) is written once and cannot drift between the two.
 */
export interface WarehouseService {
  /** For messages: 'Redshift cluster' / 'RDS instance'. */
  readonly noun: string;
  find(identifier: string): Promise<WarehouseInstance | undefined>;
  /** Deletes, letting the service take the final snapshot. */
  removeWithFinalSnapshot(identifier: string, snapshotId: string): Promise<RemoveOutcome>;
  removeWithoutSnapshot(identifier: string): Promise<RemoveOutcome>;
  waitUntilRemoved(identifier: string, signal: AbortSignal | undefined): Promise<void>;
  /** Every snapshot (any type) whose source is exactly this identifier: filtered client-side. */
  listSnapshots(identifier: string): Promise<WarehouseSnapshot[]>;
  /** The snapshot with exactly this id, whatever its source; undefined if there is none. */
  findSnapshot(snapshotId: string): Promise<WarehouseSnapshot | undefined>;
  waitUntilSnapshotAvailable(snapshotId: string, signal: AbortSignal | undefined): Promise<void>;
  /** Tags the snapshot and makes sure it is kept until deleted (idempotent). */
  keepForever(snapshot: WarehouseSnapshot, tags: Record<string, string>): Promise<void>;
  /** false if it was already gone. */
  deleteSnapshot(snapshot: WarehouseSnapshot): Promise<boolean>;
  /** Backups the service keeps apart from snapshots after a deletion (RDS retained automated backups). */
  retainedBackups(identifier: string): Promise<string[]>;

  /** The region this service's client works in. */
  region(): Promise<string>;
  /** What find + listSnapshots + retainedBackups together list, and with which calls. */
  readonly listings: { listed: WarehouseListing[]; apis: string[] };

  /** The settings that let someone in; undefined if there is no such cluster/instance. */
  describeAccess(identifier: string): Promise<WarehouseAccess | undefined>;
  /** One modification, applied immediately; fields left out are left as they are. */
  modifyAccess(identifier: string, change: { publiclyAccessible?: boolean; securityGroupIds?: string[] }): Promise<void>;
  waitUntilAvailable(identifier: string, signal: AbortSignal | undefined): Promise<void>;
  /** Restore permissions of the manual snapshots of this cluster/instance (snapshot id → accounts), shared ones only. */
  snapshotShares(identifier: string): Promise<Record<string, string[]>>;
  /** Takes these accounts off the snapshot's restore permission; those already off are fine. */
  unshareSnapshot(identifier: string, snapshotId: string, accounts: string[]): Promise<void>;
  /** Adds back those of these accounts that are missing, and returns them; undefined if the snapshot no longer exists. */
  shareSnapshot(identifier: string, snapshotId: string, accounts: string[]): Promise<string[] | undefined>;
  /** Doors this activity set cannot close through the service's API, for the close result. */
  readonly notClosable: string[];
}

export interface WarehouseAccess {
  status: string;
  publiclyAccessible: boolean;
  securityGroupIds: string[];
}

export interface WarehouseInstance {
  status: string;
  /** Already being deleted (by an earlier attempt or someone else): wait, do not delete again. */
  deleting: boolean;
  deletionProtection: boolean;
}

export type RemoveOutcome = 'deleting' | 'gone' | 'snapshot-exists';

export interface WarehouseSnapshot {
  id: string;
  /** The cluster/instance it was taken of. */
  sourceId: string;
  type: string;
  status: string;
  arn?: string;
  sizeMb?: number;
  createdAt?: string;
  tags: Record<string, string>;
  /** Days a manual snapshot is kept; -1 forever; undefined when the service does not say. */
  retentionDays?: number;
  /** Accounts allowed to restore it, when the listing reports them (Redshift). */
  sharedWith?: string[];
}

/** Both services compare identifiers case-insensitively. */
export function sameIdentifier(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** The SDK's exception name (e.g. 'ClusterNotFoundFault'), or undefined. */
export function awsErrorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

export function tagMap(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { Key, Value } of tags ?? []) if (Key !== undefined) map[Key] = Value ?? '';
  return map;
}

export function asTagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
