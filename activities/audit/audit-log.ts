import { createHash } from 'node:crypto';
import type pg from 'pg';
import { canonicalJson } from '../../common/canonical-json.js';

// Serialises appends so each row can name the hash of the one before it.
const AUDIT_LOCK_ID = 0x61756469;
const GENESIS = '0'.repeat(64);

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  outcome: 'ok' | 'refused' | 'failed' | 'started';
  details?: Record<string, unknown>;
  /** A retried append with the same key is recorded once. */
  idempotencyKey?: string;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'idempotencyKey'>> {
  seq: number;
  at: string;
  hash: string;
}

/** The hash covers every field and the previous row's hash: an edit, insert or deletion breaks the chain. */
export function auditHash(prevHash: string, record: Omit<AuditRecord, 'hash' | 'seq'>): string {
  const canonical = canonicalJson([prevHash, record.at, record.actor, record.action, record.target, record.outcome, record.details]);
  return createHash('sha256').update(canonical).digest('hex');
}

export async function appendAudit(db: pg.Pool, entry: AuditEntry): Promise<AuditRecord> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_ID]);
    if (entry.idempotencyKey) {
      const existing = await client.query<Row>(`SELECT * FROM audit_log WHERE idempotency_key = $1`, [entry.idempotencyKey]);
      if (existing.rows[0]) {
        await client.query('COMMIT');
        return toRecord(existing.rows[0]);
      }
    }
    const last = await client.query<{ hash: string }>(`SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1`);
    const prevHash = last.rows[0]?.hash ?? GENESIS;
    const record = {
      at: new Date().toISOString(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      outcome: entry.outcome,
      details: entry.details ?? {},
    };
    const hash = auditHash(prevHash, record);
    const inserted = await client.query<Row>(
      `INSERT INTO audit_log (at, actor, action, target, outcome, details, idempotency_key, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [record.at, record.actor, record.action, record.target, record.outcome, JSON.stringify(record.details), entry.idempotencyKey ?? null, prevHash, hash],
    );
    await client.query('COMMIT');
    return toRecord(inserted.rows[0]!);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface AuditQuery {
  target?: string;
  limit?: number;
}

export async function readAudit(db: pg.Pool, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 10_000);
  const { rows } = query.target
    ? await db.query<Row>(`SELECT * FROM (SELECT * FROM audit_log WHERE target = $1 ORDER BY seq DESC LIMIT $2) t ORDER BY seq`, [query.target, limit])
    : await db.query<Row>(`SELECT * FROM (SELECT * FROM audit_log ORDER BY seq DESC LIMIT $1) t ORDER BY seq`, [limit]);
  return rows.map(toRecord);
}

/** Walks the whole chain; reports the first row whose hash or link does not match. */
export async function verifyAuditChain(db: pg.Pool): Promise<{ ok: boolean; entries: number; brokenAt?: number }> {
  const { rows } = await db.query<Row>(`SELECT * FROM audit_log ORDER BY seq`);
  let prev = GENESIS;
  for (const row of rows) {
    const record = toRecord(row);
    if (row.prev_hash !== prev || auditHash(prev, record) !== row.hash) return { ok: false, entries: rows.length, brokenAt: Number(row.seq) };
    prev = row.hash;
  }
  return { ok: true, entries: rows.length };
}

interface Row {
  seq: string;
  at: Date;
  actor: string;
  action: string;
  target: string;
  outcome: AuditEntry['outcome'];
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

function toRecord(row: Row): AuditRecord {
  return {
    seq: Number(row.seq),
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    details: row.details,
    hash: row.hash,
  };
}
