import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';
import { isDeepStrictEqual } from 'node:util';
import { assertS3Owned, OWNERSHIP_VIOLATION } from '../inventory/ownership.js';
import type { S3Deps } from './deps.js';
import { awsErrorCode, nonRetryable } from './errors.js';
import {
  denyStatements,
  hasAnyLifecycle,
  ourStatements,
  parsePolicy,
  samePolicy,
  statementsOf,
  withOurs,
  withoutAnyLifecycle,
  withoutOurs,
  type PolicyDocument,
} from './policy.js';
import type { S3AccessInput, S3AccessResult, S3Target } from './types.js';

/**
 * Closes the customer's S3 data with a Deny for everyone but the ops role, after saving the policy as it was.
 * The Deny covers every prefix the customer has in the bucket (the Sid is per customer and bucket).
 */
export async function closeS3Access({ s3, db }: S3Deps, opsRoleArn: string, input: S3AccessInput): Promise<S3AccessResult> {
  await assertS3Owned(db, input.customerId, input.bucket, input.prefix);
  const rows = await customerPrefixes(db, input);
  const own = rows.find((r) => r.prefix === input.prefix);
  // A whole-bucket Deny on a shared bucket would lock the neighbours out too.
  if (!own || own.dedicated !== input.dedicated) {
    nonRetryable(
      `s3://${input.bucket}/${input.prefix} is ${own?.dedicated ? 'dedicated' : 'shared'} in the inventory, not ${input.dedicated ? 'dedicated' : 'shared'}`,
      OWNERSHIP_VIOLATION,
    );
  }
  for (const r of rows) if (r.prefix !== input.prefix) await assertS3Owned(db, input.customerId, input.bucket, r.prefix);
  const wanted = denyStatements({
    bucket: input.bucket,
    customerId: input.customerId,
    opsRoleArn,
    dedicated: rows.some((r) => r.dedicated),
    prefixes: rows.map((r) => r.prefix),
  });

  return withBucketLock(db, input.bucket, async () => {
    const current = await getPolicy(s3, input.bucket);
    const ours = ourStatements(current?.doc, input.customerId);
    if (isDeepStrictEqual(ours, wanted)) return { changed: false };
    // Without our Deny in the policy, the policy is the one to restore (a stale row is replaced); with it (a
    // retry), the row saved the first time is kept as it is.
    await db.query(
      `INSERT INTO bucket_policy_backups (customer_id, bucket, policy) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id, bucket) DO ${ours.length === 0 ? 'UPDATE SET policy = EXCLUDED.policy, saved_at = now()' : 'NOTHING'}`,
      [input.customerId, input.bucket, await pristineText(db, input.bucket, current)],
    );
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: input.bucket, Policy: JSON.stringify(withOurs(current?.doc, input.customerId, wanted)) }),
    );
    return { changed: true };
  });
}

/**
 * Takes this customer's statements out of the bucket policy. When what remains is the saved policy, the saved
 * text is put back byte for byte; when nothing remains, the policy is deleted (there was none, or its other
 * statements were removed by someone since). Then forgets the backup.
 */
export async function restoreS3Access({ s3, db }: S3Deps, input: S3Target): Promise<S3AccessResult> {
  await assertS3Owned(db, input.customerId, input.bucket, input.prefix);
  return withBucketLock(db, input.bucket, async () => {
    const current = await getPolicy(s3, input.bucket);
    let changed = false;
    if (ourStatements(current?.doc, input.customerId).length > 0) {
      const remaining = withoutOurs(current?.doc, input.customerId);
      const { rows } = await db.query<{ policy: string | null }>(
        `SELECT policy FROM bucket_policy_backups WHERE customer_id = $1 AND bucket = $2`,
        [input.customerId, input.bucket],
      );
      const saved = rows[0]?.policy ?? null;
      if (statementsOf(remaining).length === 0) {
        await s3.send(new DeleteBucketPolicyCommand({ Bucket: input.bucket }));
      } else {
        const exact = saved !== null && samePolicy(parsePolicy(saved, `backup of ${input.bucket}`), remaining);
        await s3.send(new PutBucketPolicyCommand({ Bucket: input.bucket, Policy: exact ? saved : JSON.stringify(remaining) }));
      }
      changed = true;
    }
    await db.query(`DELETE FROM bucket_policy_backups WHERE customer_id = $1 AND bucket = $2`, [input.customerId, input.bucket]);
    return { changed };
  });
}

/**
 * The text to save: the policy without any lifecycle Deny (ours or another customer's), so a backup never
 * holds a Deny. While other customers of the bucket are closed, their Deny is in the policy and the text was
 * written by us: the original bytes are then taken from their backup when it is the same policy.
 */
async function pristineText(db: pg.Pool, bucket: string, current: { text: string; doc: PolicyDocument } | undefined): Promise<string | null> {
  if (!current) return null;
  if (!hasAnyLifecycle(current.doc)) return current.text;
  const pristine = withoutAnyLifecycle(current.doc);
  if (statementsOf(pristine).length === 0) return null;
  const { rows } = await db.query<{ policy: string }>(
    `SELECT policy FROM bucket_policy_backups WHERE bucket = $1 AND policy IS NOT NULL ORDER BY saved_at`,
    [bucket],
  );
  const same = rows.find((r) => samePolicy(parsePolicy(r.policy, `backup of ${bucket}`), pristine));
  return same?.policy ?? JSON.stringify(pristine);
}

async function customerPrefixes(db: pg.Pool, target: S3Target): Promise<{ prefix: string; dedicated: boolean }[]> {
  const { rows } = await db.query<{ prefix: string; dedicated: boolean }>(
    `SELECT prefix, dedicated FROM resources
      WHERE kind = 's3' AND customer_id = $1 AND bucket = $2 AND removed_at IS NULL ORDER BY prefix`,
    [target.customerId, target.bucket],
  );
  return rows;
}

/** The bucket policy, or undefined when the bucket has none. */
async function getPolicy(s3: S3Client, bucket: string): Promise<{ text: string; doc: PolicyDocument } | undefined> {
  try {
    const out = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    if (out.Policy === undefined || out.Policy === '') return undefined;
    return { text: out.Policy, doc: parsePolicy(out.Policy, bucket) };
  } catch (err) {
    if (awsErrorCode(err) === 'NoSuchBucketPolicy') return undefined;
    throw err;
  }
}

/**
 * Serialises policy changes per bucket across workers: a policy update is read-modify-write, and two customers
 * of one shared bucket may be closed at the same time. A session advisory lock, so the backup row commits
 * before the policy changes; PostgreSQL drops the lock if the connection dies.
 */
async function withBucketLock<T>(db: pg.Pool, bucket: string, work: () => Promise<T>): Promise<T> {
  const lockKey = `lifecycle-ops:bucket-policy:${bucket}`;
  const client = await db.connect();
  // A connection whose lock or unlock failed must not go back to the pool (it may still hold the lock).
  let healthy = true;
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey]).catch((err: unknown) => {
      healthy = false;
      throw err;
    });
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]).catch(() => {
        healthy = false;
      });
    }
  } finally {
    client.release(!healthy);
  }
}
