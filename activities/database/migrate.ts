import type pg from 'pg';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';

// Any fixed number: serialises concurrent migrators (two workers starting at once).
const MIGRATION_LOCK_ID = 0x6c6f7073;

const CREATE_VERSION_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

export interface SchemaStatus {
  current: number;
  latest: number;
  pending: number[];
}

export async function schemaStatus(pool: pg.Pool): Promise<SchemaStatus> {
  const exists = await pool.query<{ present: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  );
  const applied = new Set<number>();
  if (exists.rows[0]?.present) {
    const rows = await pool.query<{ version: number }>('SELECT version FROM schema_migrations');
    for (const row of rows.rows) applied.add(row.version);
  }
  return {
    current: Math.max(0, ...applied),
    latest: LATEST_SCHEMA_VERSION,
    pending: MIGRATIONS.filter((m) => !applied.has(m.version)).map((m) => m.version),
  };
}

/** Applies pending migrations; returns the versions it applied. Safe to run from several processes. */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query(CREATE_VERSION_TABLE);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      applied.push(migration.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    client.release();
  }
  return applied;
}
