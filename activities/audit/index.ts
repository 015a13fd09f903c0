import type pg from 'pg';
import type { CertificateDraft } from '../certificates.js';
import { getCertificate, issueCertificate } from '../certificates.js';
import { appendAudit, readAudit, verifyAuditChain, type AuditEntry, type AuditQuery } from './audit-log.js';

/** The audit trail and deletion certificates: records that outlive Temporal's history retention. */
export function createRecordActivities({ db }: { db: pg.Pool }) {
  return {
    recordAudit: (entry: AuditEntry) => appendAudit(db, entry),
    readAudit: (query: AuditQuery) => readAudit(db, query),
    verifyAuditChain: () => verifyAuditChain(db),
    issueCertificate: (draft: CertificateDraft) => issueCertificate(db, draft),
    getCertificate: (customerId: string) => getCertificate(db, customerId),
  };
}
