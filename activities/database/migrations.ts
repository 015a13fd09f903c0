/**
 * Schema migrations, applied in order, each once, inside one transaction.
 * Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit trail',
    sql: `
      -- Append-only: each row carries the hash of the previous one, so an edit or a gap is detectable.
      CREATE TABLE audit_log (
        seq         bigserial PRIMARY KEY,
        at          timestamptz NOT NULL DEFAULT now(),
        actor       text NOT NULL,
        action      text NOT NULL,
        target      text NOT NULL,
        outcome     text NOT NULL,
        details     jsonb NOT NULL DEFAULT '{}'::jsonb,
        idempotency_key text UNIQUE,
        prev_hash   text NOT NULL,
        hash        text NOT NULL
      );
      CREATE INDEX audit_log_target ON audit_log (target, seq);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
