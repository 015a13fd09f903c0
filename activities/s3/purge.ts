import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { assertS3Owned } from '../inventory/ownership.js';
import { deleteVersions, MAX_KEYS_PER_DELETE } from './delete-versions.js';
import type { S3Deps } from './deps.js';
import { assertUnderPrefix, awsErrorCode, classifyS3Error } from './errors.js';
import { activityContext, heartbeat, sendOptions, throwIfCancelled } from './heartbeat.js';
import { forEachLimited } from './limiter.js';
import { describeEntry, listVersionsPage, type VersionEntry } from './listing.js';
import type { PurgeS3PageResult, S3Target } from './types.js';


/**
 * Deletes one page of object versions and delete markers under the target, by VersionId. It always lists from
 * the start: what an earlier call deleted is gone, so a retry after a crash simply continues. Once no version
 * is left it aborts incomplete multipart uploads, whose parts are stored data of the customer too.
 */
export async function purgeS3Page({ s3, db }: S3Deps, pageSize: number, target: S3Target): Promise<PurgeS3PageResult> {
  await assertS3Owned(db, target.customerId, target.bucket, target.prefix);
  // A purge needs nothing per version but the listing and the DeleteObjects: at S3's maximum page (the default)
  // it costs one ListObjectVersions and one DeleteObjects per 1,000 versions.
  const page = await listVersionsPage(s3, target, { maxKeys: Math.min(pageSize, MAX_KEYS_PER_DELETE) });
  throwIfCancelled();
  const result: PurgeS3PageResult = { deletedVersions: 0, deletedMarkers: 0, bytes: 0, abortedUploads: 0, more: page.truncated };
  const count = (e: Pick<VersionEntry, 'deleteMarker' | 'size'>) => {
    if (e.deleteMarker) result.deletedMarkers += 1;
    else result.deletedVersions += 1;
    result.bytes += e.size;
  };
  // What a crashed attempt of this activity deleted before it could report it: its journal names the page it was
  // deleting, and what of that page is no longer listed is gone. Counted here, so the certificate misses nothing.
  const journal = journalKey();
  if (journal) {
    const listed = new Set(page.entries.map(describeEntry));
    for (const e of await crashedAttemptPage(db, target, journal)) if (!listed.has(describeEntry(e))) count(e);
    await writeJournal(db, target, journal, page.entries);
  }
  await deleteVersions(s3, target, page.entries);
  for (const e of page.entries) count(e);
  heartbeat({ deleted: page.entries.length });
  if (page.truncated) return result;

  const uploads = await abortUploadsPage(s3, target);
  return { ...result, abortedUploads: uploads.aborted, more: uploads.more };
}

type JournalEntry = Pick<VersionEntry, 'key' | 'versionId' | 'deleteMarker' | 'size'>;

/** This activity across its attempts (not across calls: each page is a new activity). */
function journalKey(): string | undefined {
  const info = activityContext()?.info;
  return info?.workflowExecution ? `${info.workflowExecution.runId}/${info.activityId}` : undefined;
}

/** The page an earlier attempt of this same activity was deleting; empty on a first attempt. */
async function crashedAttemptPage(db: S3Deps['db'], target: S3Target, activity: string): Promise<JournalEntry[]> {
  const { rows } = await db.query<{ activity: string; entries: JournalEntry[] | string }>(
    `SELECT activity, entries FROM purge_journal WHERE customer_id = $1 AND bucket = $2 AND prefix = $3`,
    [target.customerId, target.bucket, target.prefix],
  );
  const row = rows[0];
  if (!row || row.activity !== activity) return [];
  return typeof row.entries === 'string' ? (JSON.parse(row.entries) as JournalEntry[]) : row.entries;
}

async function writeJournal(db: S3Deps['db'], target: S3Target, activity: string, entries: VersionEntry[]): Promise<void> {
  const compact: JournalEntry[] = entries.map(({ key, versionId, deleteMarker, size }) => ({ key, versionId, deleteMarker, size }));
  await db.query(
    `INSERT INTO purge_journal (customer_id, bucket, prefix, activity, entries) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (customer_id, bucket, prefix) DO UPDATE SET activity = EXCLUDED.activity, entries = EXCLUDED.entries, written_at = now()`,
    [target.customerId, target.bucket, target.prefix, activity, JSON.stringify(compact)],
  );
}

async function abortUploadsPage(s3: S3Client, target: S3Target): Promise<{ aborted: number; more: boolean }> {
  const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: target.prefix, MaxUploads: MAX_KEYS_PER_DELETE }), sendOptions());
  const uploads = (out.Uploads ?? []).map((u) => ({
    key: assertUnderPrefix(target.bucket, target.prefix, u.Key),
    uploadId: u.UploadId ?? '',
  }));
  await forEachLimited(uploads, 16, async ({ key, uploadId }) => {
    try {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: key, UploadId: uploadId }), sendOptions());
    } catch (err) {
      if (awsErrorCode(err) !== 'NoSuchUpload') throw classifyS3Error(err, `s3://${target.bucket}/${key}`, `aborting incomplete upload ${uploadId}`);
      // else aborted by an earlier attempt
    }
  });
  return { aborted: uploads.length, more: out.IsTruncated === true };
}
