import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';
import { isDeepStrictEqual } from 'node:util';
import { assertS3Owned, OWNERSHIP_VIOLATION } from '../inventory/ownership.js';
import type { S3Deps } from './deps.js';
import { assertRunsAsOpsRole } from '../aws/identity.js';
import { awsErrorCode, nonRetryable, S3_POLICY_TOO_LARGE } from './errors.js';
import {
  closedPrefixes,
  denyStatements,
  POLICY_LIMIT_BYTES,
  policyText,
  SHARED_DENY_SID,
  withClosedPrefixes,
  type PolicyStatement,
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
 * Closes the customer's S3 data with a Deny for everyone but the ops role, after saving the policy as it was. A
 * dedicated bucket gets a whole-bucket Deny of the customer's own; in a shared bucket the customer's prefixes
 * join the one statement pair that lists every closed prefix. The policy's size is checked before it is
 * written: over S3's 20 KB it fails at once, loudly, with the bucket left as it was.
 */
export async function closeS3Access({ s3, db, sts }: S3Deps, opsRoleArn: string, input: S3AccessInput): Promise<S3AccessResult> {
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
  // A Deny written by a worker that is not the ops role would lock out the worker itself, and every later step.
  await assertRunsAsOpsRole(sts, opsRoleArn);
  const dedicated = rows.some((r) => r.dedicated);
  const prefixes = rows.map((r) => r.prefix);

  return withBucketLock(db, input.bucket, async (locked) => {
    const current = await getPolicy(s3, input.bucket);
    const closed = closedPrefixes(current?.doc, input.bucket);
    const alreadyClosed = dedicated
      ? isDeepStrictEqual(ourStatements(current?.doc, input.customerId), denyStatements({ bucket: input.bucket, customerId: input.customerId, opsRoleArn, dedicated, prefixes }))
      : prefixes.every((p) => closed.includes(p)) && ourStatements(current?.doc, input.customerId).length === 0;
    if (alreadyClosed) return { changed: false };
    const next = dedicated
      ? withOurs(current?.doc, input.customerId, denyStatements({ bucket: input.bucket, customerId: input.customerId, opsRoleArn, dedicated, prefixes }))
      : withClosedPrefixes(withoutOurs(current?.doc, input.customerId), input.bucket, opsRoleArn, [...closed, ...prefixes]);
    const written = policyText(next);
    if (!written.fits) {
      nonRetryable(
        `closing ${input.customerId} would make the policy of bucket ${input.bucket} ${written.bytes} bytes, over S3's ${POLICY_LIMIT_BYTES}-byte limit ` +
          `(${closed.length + prefixes.length} closed prefixes): nothing was changed and the data is NOT closed; ` +
          `give the bucket's customers S3 access points or shorter prefixes, or move closed customers' data to a bucket of their own`,
        S3_POLICY_TOO_LARGE,
      );
    }
    // Without our Deny in the policy, the policy is the one to restore (a stale row is replaced); with it (a
    // retry), the row saved the first time is kept as it is.
    const ours = dedicated ? ourStatements(current?.doc, input.customerId).length > 0 : prefixes.some((p) => closed.includes(p));
    await locked.query(
      `INSERT INTO bucket_policy_backups (customer_id, bucket, policy) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id, bucket) DO ${ours ? 'NOTHING' : 'UPDATE SET policy = EXCLUDED.policy, saved_at = now()'}`,
      [input.customerId, input.bucket, await pristineText(locked, input.bucket, current)],
    );
    await s3.send(new PutBucketPolicyCommand({ Bucket: input.bucket, Policy: written.text }));
    return { changed: true };
  });
}

/**
 * Takes this customer's Deny out of the bucket policy (its own statements, or its prefixes from the shared
 * pair). When what remains is the saved policy, the saved text is put back byte for byte; when nothing remains,
 * the policy is deleted (there was none, or its other statements were removed by someone since). Then forgets
 * the backup.
 */
export async function restoreS3Access({ s3, db }: S3Deps, input: S3Target): Promise<S3AccessResult> {
  await assertS3Owned(db, input.customerId, input.bucket, input.prefix);
  const prefixes = (await customerPrefixes(db, input)).map((r) => r.prefix);
  return withBucketLock(db, input.bucket, async (locked) => {
    const current = await getPolicy(s3, input.bucket);
    const closed = closedPrefixes(current?.doc, input.bucket);
    let changed = false;
    if (ourStatements(current?.doc, input.customerId).length > 0 || prefixes.some((p) => closed.includes(p))) {
      const sharedPair = statementsOf(current?.doc).find((st) => st.Sid === SHARED_DENY_SID);
      const opsRoleArn = opsRoleOf(sharedPair);
      const withoutCustomer = withoutOurs(current?.doc, input.customerId);
      const remaining = opsRoleArn
        ? withClosedPrefixes(withoutCustomer, input.bucket, opsRoleArn, closed.filter((p) => !prefixes.includes(p)))
        : withoutCustomer;
      const { rows } = await locked.query<{ policy: string | null }>(
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
    await locked.query(`DELETE FROM bucket_policy_backups WHERE customer_id = $1 AND bucket = $2`, [input.customerId, input.bucket]);
    return { changed };
  });
}

/** The ops role a shared pair lets through (read back, so a reopen keeps the pair exactly as the close wrote it). */
function opsRoleOf(statement: PolicyStatement | undefined): string | undefined {
  const condition = statement?.Condition as { ArnNotEquals?: { 'aws:PrincipalArn'?: unknown } } | undefined;
  const arn = condition?.ArnNotEquals?.['aws:PrincipalArn'];
  return typeof arn === 'string' ? arn : undefined;
}

/**
 * The text to save: the policy without any lifecycle Deny (ours or another customer's), so a backup never
 * holds a Deny. While other customers of the bucket are closed, their Deny is in the policy and the text was
 * written by us: the original bytes are then taken from their backup when it is the same policy.
 */
async function pristineText(db: pg.Pool | pg.PoolClient, bucket: string, current: { text: string; doc: PolicyDocument } | undefined): Promise<string | null> {
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
 * before the policy changes; PostgreSQL drops the lock if the connection dies. The work gets the locked
 * connection and must use it: the embedded database (PGlite) has one session, held here, so a query on the pool
 * from inside would wait for itself forever.
 */
async function withBucketLock<T>(db: pg.Pool, bucket: string, work: (locked: pg.PoolClient) => Promise<T>): Promise<T> {
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
      return await work(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]).catch(() => {
        healthy = false;
      });
    }
  } finally {
    client.release(!healthy);
  }
}
