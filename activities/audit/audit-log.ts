import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { canonicalJson } from '../../common/canonical-json.js';

/**
 * Details that may name a person or say why something happened to a customer: kept apart (audit_personal) so
 * a purge can remove them without breaking the chain. The entry keeps a salted digest in their place.
 */
export const PERSONAL_FIELDS: readonly string[] = ['reason'];
/** What a reader sees where a purge removed a personal field. */
export const PSEUDONYMISED = '[removed at purge]';

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
    const { details, personal } = splitPersonal(entry.details ?? {});
    const record = {
      at: new Date().toISOString(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      outcome: entry.outcome,
      details,
    };
    const hash = auditHash(prevHash, record);
    const inserted = await client.query<Row>(
      `INSERT INTO audit_log (at, actor, action, target, outcome, details, idempotency_key, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [record.at, record.actor, record.action, record.target, record.outcome, JSON.stringify(record.details), entry.idempotencyKey ?? null, prevHash, hash],
    );
    const row = inserted.rows[0]!;
    for (const p of personal) {
      await client.query(`INSERT INTO audit_personal (seq, field, value, salt) VALUES ($1, $2, $3, $4)`, [row.seq, p.field, p.value, p.salt]);
    }
    await client.query('COMMIT');
    return withPersonal(toRecord(row), personal);
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
  if (!rows.length) return [];
  const { rows: kept } = await db.query<{ seq: string; field: string; value: string; salt: string }>(
    `SELECT seq, field, value, salt FROM audit_personal WHERE seq = ANY($1::bigint[])`,
    [rows.map((r) => r.seq)],
  );
  return rows.map((row) => withPersonal(toRecord(row), kept.filter((p) => String(p.seq) === String(row.seq))));
}

/**
 * Purge: the customer's personal fields leave the trail (their digests stay, so the chain still verifies and
 * nobody can read them back). Returns how many values were removed.
 */
export async function forgetPersonalAudit(db: pg.Pool | pg.PoolClient, target: string): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM audit_personal WHERE seq IN (SELECT seq FROM audit_log WHERE target = $1)`, [target]);
  return rowCount ?? 0;
}

interface PersonalValue {
  field: string;
  value: string;
  salt: string;
}

/** Takes the personal fields out of the details, leaving a salted digest of each (the salt stays with the value). */
function splitPersonal(details: Record<string, unknown>): { details: Record<string, unknown>; personal: PersonalValue[] } {
  const out = { ...details };
  const personal: PersonalValue[] = [];
  for (const field of PERSONAL_FIELDS) {
    const value = out[field];
    if (typeof value !== 'string' || value === '') continue;
    const salt = randomBytes(16).toString('hex');
    personal.push({ field, value, salt });
    out[field] = { personal: `sha256:${createHash('sha256').update(`${salt}:${value}`).digest('hex')}` };
  }
  return { details: out, personal };
}

/** The record as a reader sees it: personal values back in place, or the mark that a purge removed them. */
function withPersonal(record: AuditRecord, personal: Pick<PersonalValue, 'field' | 'value'>[]): AuditRecord {
  const details = { ...record.details };
  for (const field of PERSONAL_FIELDS) {
    const digest = details[field];
    if (!digest || typeof digest !== 'object' || !('personal' in digest)) continue;
    details[field] = personal.find((p) => p.field === field)?.value ?? PSEUDONYMISED;
  }
  return { ...record, details };
}

/** Walks the whole chain; reports the first row whose hash or link does not match. */
export async function verifyAuditChain(db: pg.Pool): Promise<{ ok: boolean; entries: number; brokenAt?: number }> {
  const { rows } = await db.query<Row>(`SELECT * FROM audit_log ORDER BY seq`);
  let prev = GENESIS;
  for (const row of rows) {
    // The stored details (digests in place of personal values) are what the hash covers.
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
