import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { DeletionCertificate, DeletionManifest } from '../common/manifest.js';
import { canonicalJson } from '../common/canonical-json.js';

export function manifestDigest(manifest: DeletionManifest): string {
  return `sha256:${createHash('sha256').update(canonicalJson(manifest)).digest('hex')}`;
}

export type CertificateDraft = Omit<DeletionCertificate, 'issuedAt' | 'manifestDigest'>;

/** Stores the certificate once (a retry returns the stored one) and returns it with its digest. */
export async function issueCertificate(db: pg.Pool, draft: CertificateDraft): Promise<DeletionCertificate> {
  const certificate: DeletionCertificate = { ...draft, issuedAt: new Date().toISOString(), manifestDigest: manifestDigest(draft.manifest) };
  await db.query(
    `INSERT INTO deletion_certificates (id, customer_id, issued_at, certificate, digest)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
    [certificate.id, certificate.customerId, certificate.issuedAt, canonicalJson(certificate), certificate.manifestDigest],
  );
  const stored = await getCertificate(db, draft.customerId, draft.id);
  if (!stored) throw new Error(`certificate ${draft.id} was not stored`);
  return stored;
}

export async function getCertificate(db: pg.Pool, customerId: string, id?: string): Promise<DeletionCertificate | null> {
  const { rows } = id
    ? await db.query<{ certificate: DeletionCertificate }>(`SELECT certificate FROM deletion_certificates WHERE customer_id = $1 AND id = $2`, [customerId, id])
    : await db.query<{ certificate: DeletionCertificate }>(
        `SELECT certificate FROM deletion_certificates WHERE customer_id = $1 ORDER BY issued_at DESC LIMIT 1`,
        [customerId],
      );
  return rows[0]?.certificate ?? null;
}
