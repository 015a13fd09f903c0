/** Where a warehouse plan or verification looked, and what it listed (or could not): a certificate claims no more. */
export interface WarehouseCheck {
  region: string;
  account: string;
  listed: string[];
  /** AWS calls, as service:Operation. */
  apis: string[];
  notListed: { what: string; why: string }[];
}

/** What a purge removes (listed before it starts for warehouses, counted while deleting for S3). */
export interface DeletionManifest {
  customerId: string;
  s3: { bucket: string; prefix: string; versions: number; deleteMarkers: number; bytes: number }[];
  warehouses: { kind: 'redshift' | 'rds'; identifier: string; exists: boolean; snapshots: string[]; checked?: WarehouseCheck }[];
  totals: { objectVersions: number; deleteMarkers: number; bytes: number; clusters: number; instances: number; snapshots: number };
}

/** What the purge leaves behind, and in what form: the certificate says so instead of implying "nothing". */
export interface RetentionStatement {
  /** Kept as they were (needed to prove the purge and for legal records). */
  kept: string[];
  /** Replaced by a keyed hash: still comparable, no longer readable. */
  pseudonymised: string[];
  /** Deleted with the data. */
  deleted: string[];
}

export interface DeletionCertificate {
  id: string;
  customerId: string;
  requestRef: string;
  requestedBy: string;
  requestedAt: string;
  approvedBy: string;
  approvedAt: string;
  purgeStartedAt: string;
  purgeFinishedAt: string;
  issuedAt: string;
  manifest: DeletionManifest;
  verification: {
    verifiedAt: string;
    s3Remaining: number;
    warehouseRemaining: string[];
    /** Per warehouse: the region, account and listings the final verification made. */
    warehouseChecks?: ({ kind: 'redshift' | 'rds'; identifier: string } & WarehouseCheck)[];
  };
  retention?: RetentionStatement;
  /** sha256 of the canonical JSON of the manifest. */
  manifestDigest: string;
}
