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

export interface WarehousePlan {
  exists: boolean;
  snapshots: SnapshotSummary[];
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
}

export interface ArchiveVerification {
  ok: boolean;
  detail: string;
}
