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
  {
    version: 2,
    name: 'customer inventory',
    sql: `
      CREATE TABLE customers (
        id            text PRIMARY KEY,
        name          text NOT NULL,
        organization  text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        -- Mirrors the lifecycle workflow's stage, for listing without Temporal; NULL while active.
        stage         text,
        deleted_at    timestamptz
      );
      CREATE TABLE projects (
        customer_id   text NOT NULL REFERENCES customers(id),
        id            text NOT NULL,
        name          text NOT NULL,
        deleted_at    timestamptz,
        -- Set only when termination deleted it, so reinstatement restores exactly what was live.
        deleted_by_lifecycle boolean NOT NULL DEFAULT false,
        PRIMARY KEY (customer_id, id)
      );
      CREATE TABLE api_tokens (
        customer_id   text NOT NULL,
        project_id    text NOT NULL,
        id            text NOT NULL,
        revoked_at    timestamptz,
        revoked_by_lifecycle boolean NOT NULL DEFAULT false,
        PRIMARY KEY (customer_id, id),
        FOREIGN KEY (customer_id, project_id) REFERENCES projects (customer_id, id)
      );
      CREATE TABLE resources (
        id            bigserial PRIMARY KEY,
        customer_id   text NOT NULL REFERENCES customers(id),
        kind          text NOT NULL CHECK (kind IN ('s3', 'redshift', 'rds')),
        bucket        text,
        prefix        text,
        cluster_id    text,
        instance_id   text,
        dedicated     boolean NOT NULL,
        removed_at    timestamptz,
        CHECK ((kind = 's3') = (bucket IS NOT NULL AND prefix IS NOT NULL)),
        CHECK ((kind = 'redshift') = (cluster_id IS NOT NULL)),
        CHECK ((kind = 'rds') = (instance_id IS NOT NULL))
      );
      CREATE UNIQUE INDEX resources_s3 ON resources (bucket, prefix) WHERE kind = 's3';
      CREATE UNIQUE INDEX resources_redshift ON resources (cluster_id) WHERE kind = 'redshift';
      CREATE UNIQUE INDEX resources_rds ON resources (instance_id) WHERE kind = 'rds';
      CREATE INDEX resources_customer ON resources (customer_id);
      -- The bucket policy as it was before termination closed the bucket (NULL: there was none).
      CREATE TABLE bucket_policy_backups (
        customer_id   text NOT NULL REFERENCES customers(id),
        bucket        text NOT NULL,
        policy        text,
        saved_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, bucket)
      );
      CREATE TABLE deletion_certificates (
        id            text PRIMARY KEY,
        customer_id   text NOT NULL REFERENCES customers(id),
        issued_at     timestamptz NOT NULL DEFAULT now(),
        certificate   jsonb NOT NULL,
        digest        text NOT NULL
      );
      CREATE INDEX deletion_certificates_customer ON deletion_certificates (customer_id, issued_at);
    `,
  },
  {
    version: 3,
    name: 'lifecycle checkpoints and problem reports',
    sql: `
      -- The state a lifecycle run hands to its next run (continue-as-new) or to a later purge run. Kept here, not
      -- in the workflow input, so nobody can start a lifecycle with a forged state: a run only loads the
      -- checkpoint its own predecessor saved.
      CREATE TABLE lifecycle_checkpoints (
        workflow_id text NOT NULL,
        run_id      text NOT NULL,
        version     integer NOT NULL,
        state       jsonb NOT NULL,
        saved_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workflow_id, run_id)
      );
      CREATE INDEX lifecycle_checkpoints_latest ON lifecycle_checkpoints (workflow_id, saved_at DESC);

      -- "Report a problem": one row per cause, counted while it recurs; the incidents capability pages from here.
      CREATE TABLE problem_reports (
        cause       text PRIMARY KEY,
        source      text NOT NULL,
        severity    text NOT NULL,
        summary     text NOT NULL,
        details     jsonb NOT NULL DEFAULT '{}'::jsonb,
        first_seen  timestamptz NOT NULL DEFAULT now(),
        last_seen   timestamptz NOT NULL DEFAULT now(),
        occurrences integer NOT NULL DEFAULT 1,
        resolved_at timestamptz
      );
    `,
  },
  {
    version: 4,
    name: 'warehouse location, removal and closed access',
    sql: `
      -- Where a dedicated cluster/instance was found (the worker's region, its credentials' account), and whether
      -- the lifecycle removed it in AWS: 'archive' once its final snapshot is kept, 'purge' before its delete call.
      -- Not finding one that the lifecycle did not remove is then an error, never a deletion.
      ALTER TABLE resources
        ADD COLUMN region text,
        ADD COLUMN account text,
        ADD COLUMN warehouse_removed_by text CHECK (warehouse_removed_by IN ('archive', 'purge')),
        ADD COLUMN warehouse_removed_at timestamptz;
      -- What closing a dedicated warehouse for the hold changed, as it was before (public access, security
      -- groups, snapshot restore permissions), so reinstatement puts back exactly that. restored_at set: undone.
      CREATE TABLE warehouse_access_backups (
        customer_id   text NOT NULL REFERENCES customers(id),
        kind          text NOT NULL CHECK (kind IN ('redshift', 'rds')),
        identifier    text NOT NULL,
        previous      jsonb NOT NULL,
        closed_security_group_id text,
        closed_at     timestamptz NOT NULL DEFAULT now(),
        restored_at   timestamptz,
        PRIMARY KEY (customer_id, kind, identifier)
      );
    `,
  },
  {
    version: 5,
    name: 'personal fields of the audit trail kept apart',
    sql: `
      -- Personal fields of audit entries (a termination reason, a reinstatement reason): the entry's details hold
      -- a salted digest of each, which the hash chain covers; the value itself lives here. A purge deletes these
      -- rows, so the reasons are gone while the chain still verifies.
      CREATE TABLE audit_personal (
        seq    bigint NOT NULL REFERENCES audit_log(seq),
        field  text NOT NULL,
        value  text NOT NULL,
        salt   text NOT NULL,
        PRIMARY KEY (seq, field)
      );
    `,
  },
  {
    version: 6,
    name: 'purge page journal',
    sql: `
      -- The page a purge activity is about to delete, written before its DeleteObjects. A crashed attempt's
      -- deletions are otherwise invisible to its retry (the retry lists afresh and those versions are gone), and
      -- the certificate would count less than was deleted. Keyed by the activity, so only its own retry reads it.
      CREATE TABLE purge_journal (
        customer_id text NOT NULL,
        bucket      text NOT NULL,
        prefix      text NOT NULL,
        activity    text NOT NULL,
        entries     jsonb NOT NULL,
        written_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, bucket, prefix)
      );
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
