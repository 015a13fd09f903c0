import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { assertS3Owned } from '../inventory/ownership.js';
import { isArchived, planKeyArchive, type EntryBelow, type KeyArchivePlan } from './archive-key.js';
import { deleteVersions } from './delete-versions.js';
import {
  isAccessDenied,
  nonRetryable,
  S3_ACCESS_DENIED,
  S3_INVALID_CURSOR,
  S3_OBJECT_TOO_LARGE,
  S3_VERSIONING_SUSPENDED,
} from './errors.js';
import { heartbeat } from './heartbeat.js';
import { forEachLimited } from './limiter.js';
import { compareKeys, describeEntry, groupByKey, listVersionsPage, type KeyEntries, type VersionEntry } from './listing.js';
import type { S3Deps } from './deps.js';
import type { ArchiveS3PageInput, ArchiveS3PageResult, ArchiveStorageClass, S3Cursor, S3Target } from './types.js';

/** CopyObject copies at most 5 GiB; beyond that it takes a multipart copy (UploadPartCopy), not written yet. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;
/** Keys processed at once within a page; a key's own versions go one after another (their order matters). */
const KEYS_IN_FLIGHT = 16;

/**
 * Archives one page: every version of the page's keys not in an archive class is copied onto its key in
 * `storageClass` and the source version deleted. The page ends at the last complete key, so a key is never
 * split between two calls; the cursor names that key. Retrying a page (or re-running it) does no work twice.
 */
export async function archiveS3Page({ s3, db }: S3Deps, pageSize: number, input: ArchiveS3PageInput): Promise<ArchiveS3PageResult> {
  await assertS3Owned(db, input.customerId, input.bucket, input.prefix);
  assertStorageClass(input.storageClass);
  if (input.cursor?.versionIdMarker !== undefined) {
    nonRetryable('archiveS3Page resumes at a key boundary: pass the cursor it returned (keyMarker only)', S3_INVALID_CURSOR);
  }
  const versioning = await bucketVersioning(s3, input.bucket);
  // Suspended versioning gives every copy the "null" version id, replacing whatever "null" version exists.
  if (versioning === 'Suspended') {
    nonRetryable(`bucket ${input.bucket} has versioning suspended: copying in place would overwrite its "null" versions`, S3_VERSIONING_SUSPENDED);
  }

  const { keys, nextCursor } = await listCompleteKeys(s3, input, input.cursor, pageSize);
  refuseTooLarge(input, keys);

  const result: ArchiveS3PageResult = { archived: 0, alreadyArchived: 0, bytesArchived: 0, deleteMarkers: 0, reorderedKeys: 0 };
  const sources: VersionEntry[] = [];
  const replacedMarkers: VersionEntry[] = [];
  const entryBelow = entryBelowIn(s3, input);
  let keysDone = 0;

  await forEachLimited(keys, KEYS_IN_FLIGHT, async (entries) => {
    const plan = await planKeyArchive(entries, entryBelow);
    if (versioning === 'Enabled') await archiveKey(s3, input, plan);
    else await archiveUnversionedKey(s3, input, plan); // never versioned: a copy replaces the object itself
    result.archived += plan.sources.length;
    result.alreadyArchived += plan.alreadyArchived;
    result.bytesArchived += plan.bytesArchived;
    result.deleteMarkers += plan.deleteMarkersAfter;
    if (plan.reordered) result.reorderedKeys += 1;
    if (versioning === 'Enabled') sources.push(...plan.sources);
    replacedMarkers.push(...plan.replacedMarkers);
    heartbeat({ cursor: input.cursor, keysDone: ++keysDone, keys: keys.length });
  });

  // Sources go only after every copy and delete marker of the page exists; the replaced markers go last, so a
  // crash in between leaves at most an extra delete marker, never a key without its marker.
  await deleteVersions(s3, input, sources);
  await deleteVersions(s3, input, replacedMarkers);
  return nextCursor ? { nextCursor, ...result } : result;
}

/** Copies, oldest first, then puts the delete marker back on top if the key was deleted. */
async function archiveKey(s3: S3Client, target: ArchiveS3PageInput, plan: KeyArchivePlan): Promise<void> {
  for (const source of plan.toCopy) await copyIntoClass(s3, target, source, target.storageClass, true);
  if (plan.placeDeleteMarker) await s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: plan.key }));
}

async function archiveUnversionedKey(s3: S3Client, target: ArchiveS3PageInput, plan: KeyArchivePlan): Promise<void> {
  for (const source of plan.toCopy) await copyIntoClass(s3, target, source, target.storageClass, false);
}

/**
 * Copies one version onto its own key in the archive class: same metadata and tags, same encryption (read
 * from the version, since a copy otherwise takes the bucket default). ACLs are not copied by S3.
 */
async function copyIntoClass(
  s3: S3Client,
  target: S3Target,
  source: VersionEntry,
  storageClass: ArchiveStorageClass,
  byVersion: boolean,
): Promise<void> {
  const version = byVersion ? { VersionId: source.versionId } : {};
  const encodedKey = source.key.split('/').map(encodeURIComponent).join('/');
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: source.key, ...version }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: target.bucket,
        Key: source.key,
        CopySource: `${target.bucket}/${encodedKey}${byVersion ? `?versionId=${encodeURIComponent(source.versionId)}` : ''}`,
        StorageClass: storageClass,
        MetadataDirective: 'COPY',
        TaggingDirective: 'COPY',
        ...(head.ServerSideEncryption !== undefined ? { ServerSideEncryption: head.ServerSideEncryption } : {}),
        ...(head.SSEKMSKeyId !== undefined ? { SSEKMSKeyId: head.SSEKMSKeyId } : {}),
        ...(head.BucketKeyEnabled !== undefined ? { BucketKeyEnabled: head.BucketKeyEnabled } : {}),
      }),
    );
  } catch (err) {
    // Retrying cannot fix a 403: the worker is not the role the closing Deny lets through, or a KMS key refuses it.
    if (isAccessDenied(err)) {
      nonRetryable(`access denied to s3://${target.bucket}/${describeEntry(source)}: is the worker running as the ops role?`, S3_ACCESS_DENIED);
    }
    throw err;
  }
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
    if (truncated) heartbeat({ cursor, listing: entries.length });
  } while (truncated && new Set(entries.map((e) => e.key)).size < 2);

  const keys = groupByKey(entries);
  if (!truncated) return { keys };
  const complete = keys.slice(0, -1);
  return { keys: complete, nextCursor: { keyMarker: complete.at(-1)!.key } };
}

function refuseTooLarge(target: S3Target, keys: KeyEntries[]): void {
  for (const { versions } of keys) {
    const big = versions.find((v) => v.size > MAX_COPY_BYTES && !isArchived(v));
    if (big) {
      nonRetryable(
        `s3://${target.bucket}/${describeEntry(big)} is ${big.size} bytes: over CopyObject's 5 GiB limit (needs a multipart copy, not supported)`,
        S3_OBJECT_TOO_LARGE,
      );
    }
  }
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
  const out = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  return out.Status;
}

function assertStorageClass(storageClass: string): asserts storageClass is ArchiveStorageClass {
  if (storageClass !== 'GLACIER' && storageClass !== 'DEEP_ARCHIVE') {
    nonRetryable(`storage class ${JSON.stringify(storageClass)} is not an archive class (GLACIER or DEEP_ARCHIVE)`, 'S3InvalidStorageClass');
  }
}
