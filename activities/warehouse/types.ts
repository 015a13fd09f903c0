/** What the warehouse activities act on: one dedicated Redshift cluster or RDS instance of one customer. */
export interface WarehouseTarget {
  customerId: string;
  kind: 'redshift' | 'rds';
  /** The cluster identifier (Redshift) or DB instance identifier (RDS), as in the inventory. */
  identifier: string;
}

export interface SnapshotSummary {
  id: string;
  /** Redshift reports a backup size; RDS only its allocated storage, which is not the snapshot's size. */
  sizeMb?: number;
  /** ISO 8601. */
  createdAt?: string;
}

export interface ArchiveResult {
  snapshotId: string;
  /** false if the cluster/instance was already gone when this attempt started. */
  removed: boolean;
}

/** Where the warehouse activities looked: the worker's configured region and its credentials' account. */
export interface WarehouseLocation {
  region: string;
  account: string;
}

/** A place a copy of a warehouse's data can be kept, as the plan and the verification name it. */
export type WarehouseListing =
  | 'cluster'
  | 'instance'
  | 'manual-snapshots'
  | 'automated-snapshots'
  | 'retained-automated-backups'
  | 'backup-recovery-points';

/** What a plan or verification really looked at, so a certificate claims no more than that. */
export interface WarehouseChecked extends WarehouseLocation {
  listed: WarehouseListing[];
  /** The AWS calls the listing was made with, as service:Operation. */
  apis: string[];
  notListed: { what: WarehouseListing; why: string }[];
}

export interface WarehousePlan {
  exists: boolean;
  snapshots: SnapshotSummary[];
  checked: WarehouseChecked;
}

export interface PurgeResult {
  /** true if the cluster/instance still existed when this attempt started. */
  removedCluster: boolean;
  /** Deleted by this attempt; an earlier attempt's deletions are not repeated here (use the plan for the certificate). */
  deletedSnapshots: string[];
}

export interface PurgeVerification {
  /** Everything still found: the cluster/instance, snapshots, retained automated backups. Empty when purged. */
  remaining: string[];
  checked: WarehouseChecked;
}

/** Settings that give someone outside a way in; closeWarehouseAccess records them as they were. */
export interface WarehouseAccessSettings {
  publiclyAccessible: boolean;
  /** VPC security groups attached to the cluster/instance. */
  securityGroupIds: string[];
  /** Manual snapshot id → accounts (or 'all', RDS's public) allowed to restore it. */
  snapshotShares: Record<string, string[]>;
}

/** What one call of closeWarehouseAccess / restoreWarehouseAccess changed; nothing on a repeat. */
export interface WarehouseAccessChange {
  publiclyAccessible: boolean;
  securityGroups: boolean;
  /** Snapshot ids whose restore permissions were changed. */
  snapshotShares: string[];
}

export interface CloseAccessResult extends WarehouseLocation {
  /** false when the lifecycle had already removed it (archive/purge): nothing to close. */
  exists: boolean;
  /** As they were before the lifecycle closed them: what restoreWarehouseAccess puts back. */
  saved: WarehouseAccessSettings | null;
  changed: WarehouseAccessChange;
  /** The security group, without inbound rules, that replaces the saved ones while closed. */
  closedSecurityGroupId: string | null;
  /** Ways in that this activity cannot close through the AWS API. */
  notClosed: string[];
}

export interface RestoreAccessResult extends WarehouseLocation {
  /** false when nothing was recorded as closed (never closed, or already restored). */
  restored: boolean;
  changed: WarehouseAccessChange;
  /** Recorded shares not restored because the snapshot no longer exists. */
  skippedSnapshots: string[];
}

export interface ArchiveVerification {
  ok: boolean;
  detail: string;
}
