import { DeleteObjectCommand, GetBucketVersioningCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { assertS3Owned } from '../inventory/ownership.js';
import { copyCandidates, isArchived, planKeyArchive, type EntryBelow, type KeyArchivePlan } from './archive-key.js';
import { abortUpload, copyIntoClass, type CopyLimits, type OpenUploads } from './copy.js';
import { deleteVersions } from './delete-versions.js';
import type { S3Deps } from './deps.js';
import {
  classified,
  nonRetryable,
  S3_DELETE_MARKER_STATE,
  S3_INVALID_CURSOR,
  S3_INVALID_STORAGE_CLASS,
  S3_VERSIONING_SUSPENDED,
} from './errors.js';
import { activityContext, heartbeat, sendOptions, throwIfCancelled, withHeartbeats } from './heartbeat.js';
import { forEachLimited } from './limiter.js';
import { compareKeys, describeEntry, groupByKey, listVersionsPage, type KeyEntries, type VersionEntry } from './listing.js';
import { headSource, objectLockState, refuseDefaultRetention, sourceVersionMark } from './preflight.js';
import type { ArchiveS3PageInput, ArchiveS3PageResult, ArchiveStorageClass, S3Cursor, S3Target } from './types.js';

/** Keys processed at once within a page; a key's own versions go one after another (their order matters). */
const KEYS_IN_FLIGHT = 16;

export interface ArchiveLimits extends CopyLimits {
  /** Entries per ListObjectVersions call (1-1000). */
  pageSize: number;
  /**
   * A page stops taking keys once their bytes still to archive would pass this, so one call's copying stays
   * well inside the activity's start-to-close timeout; a single key larger than this is still taken, alone.
   */
  pageBytes: number;
}

/** A key ready to archive: its plan, and the HeadObject of each version to copy. */
interface PreparedKey {
  plan: KeyArchivePlan;
  heads: Map<string, HeadObjectCommandOutput>;
}

/**
 * Archives one page: every version of the page's keys not in an archive class is copied onto its key in
 * `storageClass` and the source version deleted. The page ends at the last complete key (never splitting a
 * key), within `pageSize` entries and `pageBytes` bytes; the cursor names that key. Everything S3 would refuse
 * is checked before anything on the page changes. Retrying a page (or re-running it) does no work twice.
 */
export async function archiveS3Page({ s3, db }: S3Deps, limits: ArchiveLimits, input: ArchiveS3PageInput): Promise<ArchiveS3PageResult> {
  await assertS3Owned(db, input.customerId, input.bucket, input.prefix);
  assertStorageClass(input.storageClass);
  if (input.cursor?.versionIdMarker !== undefined) {
    nonRetryable('archiveS3Page resumes at a key boundary: pass the cursor it returned (keyMarker only)', S3_INVALID_CURSOR);
  }
  const progress = { cursor: input.cursor, phase: 'listing', keys: 0, keysDone: 0 };
  const openUploads: OpenUploads = new Map();
  // The open uploads ride along in every heartbeat, so the next attempt can abort them after a crash.
  const details = () => ({ ...progress, openUploads: [...openUploads.values()] });
  return withHeartbeats(details, async () => {
    await abortUploadsOfCrashedAttempt(s3, input.bucket);
    const versioning = await bucketVersioning(s3, input.bucket);
    // Suspended versioning gives every copy the "null" version id, replacing whatever "null" version exists.
    if (versioning === 'Suspended') {
      nonRetryable(`bucket ${input.bucket} has versioning suspended: copying in place would overwrite its "null" versions`, S3_VERSIONING_SUSPENDED);
    }
    const versioned = versioning === 'Enabled';
    const lock = versioned ? await objectLockState(s3, input.bucket) : { enabled: false };
    refuseDefaultRetention(input.bucket, lock);

    const listed = await listCompleteKeys(s3, input, input.cursor, limits.pageSize);
    const { keys, nextCursor } = boundByBytes(listed, limits.pageBytes);
    progress.keys = keys.length;

    // 1. Read only: plan every key and HEAD what will be copied, refusing before anything changes.
    progress.phase = 'checking';
    const entryBelow = entryBelowIn(s3, input);
    const prepared: PreparedKey[] = [];
    await forEachLimited(keys, KEYS_IN_FLIGHT, async (entries) => {
      throwIfCancelled();
      prepared.push(await prepareKey(s3, input, entries, entryBelow, versioned));
    });

    // 2. Copies, and the delete marker back on top of deleted keys.
    progress.phase = 'copying';
    const result: ArchiveS3PageResult = { archived: 0, alreadyArchived: 0, bytesArchived: 0, deleteMarkers: 0, reorderedKeys: 0 };
    await forEachLimited(prepared, KEYS_IN_FLIGHT, async ({ plan, heads }) => {
      throwIfCancelled(); // between keys: what is done so far is exactly what a crash would leave, and resumes
      for (const source of plan.toCopy) {
        await copyIntoClass(s3, input, source, heads.get(source.versionId)!, input.storageClass, versioned, limits, openUploads);
      }
      if (versioned && plan.placeDeleteMarker) {
        await classified(`s3://${input.bucket}/${plan.key}`, 'putting its delete marker back on top', () =>
          s3.send(new DeleteObjectCommand({ Bucket: input.bucket, Key: plan.key }), sendOptions()),
        );
      }
      result.archived += plan.sources.length;
      result.alreadyArchived += plan.alreadyArchived;
      result.bytesArchived += plan.bytesArchived;
      result.deleteMarkers += plan.deleteMarkersAfter;
      if (plan.reordered) result.reorderedKeys += 1;
      progress.keysDone += 1;
      heartbeat(details());
    });

    // 3. Sources go only after every copy and delete marker of the page exists; the replaced markers go last,
    // so a crash in between leaves at most an extra delete marker, never a key without its marker. A never
    // versioned bucket has nothing to delete: each copy replaced its object.
    progress.phase = 'deleting';
    if (versioned) {
      await deleteVersions(s3, input, prepared.flatMap((p) => p.plan.sources));
      await deleteVersions(s3, input, prepared.flatMap((p) => p.plan.replacedMarkers));
      // 4. Keys whose delete markers or order moved: deleted ones must still be deleted, live ones live.
      progress.phase = 'verifying';
      const moved = prepared.filter(({ plan }) => plan.sources.length > 0 && (plan.deleteMarkersAfter > 0 || plan.reordered));
      await forEachLimited(moved, KEYS_IN_FLIGHT, ({ plan }) => assertTopState(s3, input, plan));
    }
    return nextCursor ? { nextCursor, ...result } : result;
  });
}

async function prepareKey(s3: S3Client, target: S3Target, entries: KeyEntries, entryBelow: EntryBelow, versioned: boolean): Promise<PreparedKey> {
  // Only a resumed key (or one whose current version was archived before) has candidates: the normal path
  // spends no request here.
  const copyMarks = new Map<string, string>();
  if (versioned) {
    for (const candidate of copyCandidates(entries)) {
      const mark = await sourceVersionMark(s3, target, candidate);
      if (mark !== undefined) copyMarks.set(candidate.versionId, mark);
    }
  }
  const plan = await planKeyArchive(entries, entryBelow, copyMarks);
  // Every source, copied already or not: each will be deleted, so each must be deletable.
  const heads = new Map<string, HeadObjectCommandOutput>();
  for (const source of plan.sources) heads.set(source.versionId, await headSource(s3, target, source, versioned));
  return { plan, heads };
}

/**
 * After the page: the newest entry of the key must be a delete marker if the key was deleted, an archived
 * version if it was live. Anything else means the steps went wrong for this key; continuing would repeat it.
 */
async function assertTopState(s3: S3Client, target: S3Target, plan: KeyArchivePlan): Promise<void> {
  // The key itself sorts before every longer key it prefixes, so its newest entry comes first.
  const page = await listVersionsPage(s3, { ...target, prefix: plan.key }, { maxKeys: 1 });
  const top = page.entries.find((e) => e.key === plan.key);
  const where = `s3://${target.bucket}/${plan.key}`;
  if (plan.deleted && !top?.deleteMarker) {
    nonRetryable(`${where} was deleted before archiving but is not now: ${top ? `${describeEntry(top)} is current` : 'it has no entry left'}`, S3_DELETE_MARKER_STATE);
  }
  if (!plan.deleted && (!top || top.deleteMarker || !isArchived(top))) {
    nonRetryable(
      `${where} was live before archiving but is not now: ${top ? `${top.deleteMarker ? 'delete marker' : top.storageClass} ${describeEntry(top)} is on top` : 'it has no entry left'}`,
      S3_DELETE_MARKER_STATE,
    );
  }
}

/**
 * Multipart uploads a crashed attempt of this activity left open (they are in its last heartbeat): aborted, so
 * their parts do not stay stored. Only uploads this activity started are touched.
 */
async function abortUploadsOfCrashedAttempt(s3: S3Client, bucket: string): Promise<void> {
  const last: unknown = activityContext()?.info.heartbeatDetails;
  const uploads = (last as { openUploads?: unknown } | undefined)?.openUploads;
  if (!Array.isArray(uploads)) return;
  for (const u of uploads as { key?: unknown; uploadId?: unknown }[]) {
    if (typeof u.key === 'string' && typeof u.uploadId === 'string') await abortUpload(s3, bucket, u.key, u.uploadId);
  }
}

/** Bytes of a key still to archive. */
const bytesToArchive = (k: KeyEntries): number => k.versions.reduce((sum, v) => sum + (isArchived(v) ? 0 : v.size), 0);

/** Keeps keys while their bytes to archive stay within `pageBytes` (the first key always); the cursor follows. */
export function boundByBytes(listed: { keys: KeyEntries[]; nextCursor?: S3Cursor }, pageBytes: number): { keys: KeyEntries[]; nextCursor?: S3Cursor } {
  let bytes = 0;
  let taken = 0;
  for (const k of listed.keys) {
    const b = bytesToArchive(k);
    if (taken > 0 && bytes + b > pageBytes) break;
    bytes += b;
    taken += 1;
  }
  if (taken === listed.keys.length) return listed;
  const keys = listed.keys.slice(0, taken);
  return { keys, nextCursor: { keyMarker: keys.at(-1)!.key } };
}

/**
 * Lists from the cursor and keeps only complete keys: a page can cut a key's entries, and a key is planned
 * from all of them. If the page holds a single (cut) key, reads on until that key ends.
 */
export async function listCompleteKeys(
  s3: S3Client,
  target: S3Target,
  cursor: S3Cursor | undefined,
  pageSize: number,
): Promise<{ keys: KeyEntries[]; nextCursor?: S3Cursor }> {
  const entries: VersionEntry[] = [];
  const after = cursor?.keyMarker;
  let markers: { keyMarker?: string; versionIdMarker?: string } = cursor?.keyMarker !== undefined ? { keyMarker: cursor.keyMarker } : {};
  let truncated: boolean;
  do {
    // Nothing has changed yet, so S3's own markers are safe to follow within this call.
    const page = await listVersionsPage(s3, target, { ...markers, maxKeys: pageSize });
    // Keys up to the cursor are done; moto can list the rest of the cursor's key again (see listVersionsPage).
    entries.push(...(after === undefined ? page.entries : page.entries.filter((e) => compareKeys(e.key, after) > 0)));
    truncated = page.truncated;
    markers = {
      ...(page.nextKeyMarker !== undefined ? { keyMarker: page.nextKeyMarker } : {}),
      ...(page.nextVersionIdMarker !== undefined ? { versionIdMarker: page.nextVersionIdMarker } : {}),
    };
  } while (truncated && new Set(entries.map((e) => e.key)).size < 2);

  const keys = groupByKey(entries);
  if (!truncated) return { keys };
  const complete = keys.slice(0, -1);
  return { keys: complete, nextCursor: { keyMarker: complete.at(-1)!.key } };
}

function entryBelowIn(s3: S3Client, target: S3Target): EntryBelow {
  return async (key, versionId) => {
    const page = await listVersionsPage(s3, target, { keyMarker: key, versionIdMarker: versionId, maxKeys: 1 });
    const next = page.entries[0];
    return next?.key === key ? next : undefined;
  };
}

/** 'Enabled', 'Suspended', or undefined for a bucket that was never versioned. */
async function bucketVersioning(s3: S3Client, bucket: string): Promise<string | undefined> {
  const out = await classified(`bucket ${bucket}`, 'reading its versioning', () => s3.send(new GetBucketVersioningCommand({ Bucket: bucket }), sendOptions()));
  return out.Status;
}

function assertStorageClass(storageClass: string): asserts storageClass is ArchiveStorageClass {
  if (storageClass !== 'GLACIER' && storageClass !== 'DEEP_ARCHIVE') {
    nonRetryable(`storage class ${JSON.stringify(storageClass)} is not an archive class (GLACIER or DEEP_ARCHIVE)`, S3_INVALID_STORAGE_CLASS);
  }
}
