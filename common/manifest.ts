/** What a purge removes (built before it starts) and what the deletion certificate proves. */
export interface DeletionManifest {
  customerId: string;
  s3: { bucket: string; prefix: string; versions: number; deleteMarkers: number; bytes: number }[];
  warehouses: { kind: 'redshift' | 'rds'; identifier: string; exists: boolean; snapshots: string[] }[];
  totals: { objectVersions: number; deleteMarkers: number; bytes: number; clusters: number; instances: number; snapshots: number };
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
  verification: { verifiedAt: string; s3Remaining: number; warehouseRemaining: string[] };
  /** sha256 of the canonical JSON of the manifest. */
  manifestDigest: string;
}
