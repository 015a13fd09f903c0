import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { SOURCE_VERSION_METADATA } from './archive-key.js';
import { awsErrorCode, classified, nonRetryable, S3_OBJECT_TOO_LARGE } from './errors.js';
import { activityContext, sendOptions } from './heartbeat.js';
import { forEachLimited } from './limiter.js';
import { describeEntry, type VersionEntry } from './listing.js';
import type { ArchiveStorageClass, S3Target } from './types.js';

export interface CopyLimits {
  /** Objects larger than this are copied with a multipart copy; CopyObject itself takes at most 5 GiB. */
  multipartThresholdBytes: number;
  /** Bytes per UploadPartCopy (raised when the object would need more than 10,000 parts). */
  multipartPartBytes: number;
}

export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;
/** S3's limits: CopyObject copies at most 5 GiB; a multipart upload has at most 10,000 parts of 5 MiB-5 GiB. */
export const MAX_COPY_OBJECT_BYTES = 5 * GIB;
export const MIN_PART_BYTES = 5 * MIB;
export const MAX_PART_BYTES = 5 * GIB;
const MAX_PARTS = 10_000;
/** Parts copied at once for one object: S3 copies server-side, so a few in flight fill the time. */
const PARTS_IN_FLIGHT = 4;

/** Multipart uploads this attempt has open, so a crash can be cleaned up by the next attempt (see archive.ts). */
export type OpenUploads = Map<string, { key: string; uploadId: string }>;

export function copySource(bucket: string, source: VersionEntry, byVersion: boolean): string {
  const encodedKey = source.key.split('/').map(encodeURIComponent).join('/');
  return `${bucket}/${encodedKey}${byVersion ? `?versionId=${encodeURIComponent(source.versionId)}` : ''}`;
}

/**
 * What a copy must carry to stay the same object, from the source's HeadObject. A copy with MetadataDirective
 * REPLACE (needed to add the source-version mark) and a multipart upload take nothing from the source but its
 * bytes, so every header is given again. The encryption is the source's, since a copy otherwise takes the
 * bucket default. Tags follow separately (TaggingDirective COPY, or Tagging on a multipart upload); ACLs are not
 * copied by S3 at all.
 */
export function objectHeaders(head: HeadObjectCommandOutput, sourceVersionMark: string | undefined) {
  const expires = head.Expires instanceof Date && !Number.isNaN(head.Expires.getTime()) ? head.Expires : undefined;
  const metadata = { ...head.Metadata, ...(sourceVersionMark !== undefined ? { [SOURCE_VERSION_METADATA]: sourceVersionMark } : {}) };
  return {
    ...(head.ContentType !== undefined ? { ContentType: head.ContentType } : {}),
    ...(head.ContentEncoding !== undefined ? { ContentEncoding: head.ContentEncoding } : {}),
    ...(head.ContentDisposition !== undefined ? { ContentDisposition: head.ContentDisposition } : {}),
    ...(head.ContentLanguage !== undefined ? { ContentLanguage: head.ContentLanguage } : {}),
    ...(head.CacheControl !== undefined ? { CacheControl: head.CacheControl } : {}),
    ...(expires !== undefined ? { Expires: expires } : {}),
    ...(head.WebsiteRedirectLocation !== undefined ? { WebsiteRedirectLocation: head.WebsiteRedirectLocation } : {}),
    Metadata: metadata,
    ...(head.ServerSideEncryption !== undefined ? { ServerSideEncryption: head.ServerSideEncryption } : {}),
    ...(head.SSEKMSKeyId !== undefined ? { SSEKMSKeyId: head.SSEKMSKeyId } : {}),
    ...(head.BucketKeyEnabled !== undefined ? { BucketKeyEnabled: head.BucketKeyEnabled } : {}),
  };
}

/** Part size for an object: the configured one, raised so the object fits S3's 10,000 parts. */
export function partBytesFor(size: number, limits: CopyLimits): number {
  const atLeast = Math.ceil(size / MAX_PARTS / MIB) * MIB;
  return Math.max(limits.multipartPartBytes, atLeast);
}

/**
 * Copies one version onto its own key in the archive class, marked with its source's VersionId when the bucket
 * is versioned (so a retry recognises the copy whatever its ETag). Over the threshold, a multipart copy.
 */
export async function copyIntoClass(
  s3: S3Client,
  target: S3Target,
  source: VersionEntry,
  head: HeadObjectCommandOutput,
  storageClass: ArchiveStorageClass,
  byVersion: boolean,
  limits: CopyLimits,
  openUploads: OpenUploads,
): Promise<void> {
  const where = `s3://${target.bucket}/${describeEntry(source)}`;
  const what = `copying it to ${storageClass}`;
  const headers = objectHeaders(head, byVersion ? source.versionId : undefined);
  if (source.size > limits.multipartThresholdBytes) {
    await multipartCopy(s3, target, source, headers, storageClass, byVersion, limits, openUploads, where, what);
    return;
  }
  await classified(where, what, () =>
    s3.send(
      new CopyObjectCommand({
        Bucket: target.bucket,
        Key: source.key,
        CopySource: copySource(target.bucket, source, byVersion),
        StorageClass: storageClass,
        MetadataDirective: 'REPLACE',
        TaggingDirective: 'COPY',
        ...headers,
      }),
      sendOptions(),
    ),
  );
}

async function multipartCopy(
  s3: S3Client,
  target: S3Target,
  source: VersionEntry,
  headers: ReturnType<typeof objectHeaders>,
  storageClass: ArchiveStorageClass,
  byVersion: boolean,
  limits: CopyLimits,
  openUploads: OpenUploads,
  where: string,
  what: string,
): Promise<void> {
  const partBytes = partBytesFor(source.size, limits);
  if (partBytes > MAX_PART_BYTES) {
    nonRetryable(`s3://${target.bucket}/${describeEntry(source)} is ${source.size} bytes: more than a multipart copy can take`, S3_OBJECT_TOO_LARGE);
  }
  const versionId = byVersion ? { VersionId: source.versionId } : {};
  // A multipart upload takes no TaggingDirective: the tags are read and given with the upload.
  const tags = await classified(where, `${what} (reading its tags)`, () =>
    s3.send(new GetObjectTaggingCommand({ Bucket: target.bucket, Key: source.key, ...versionId }), sendOptions()),
  );
  const tagging = new URLSearchParams((tags.TagSet ?? []).map((t): [string, string] => [t.Key ?? '', t.Value ?? ''])).toString();
  const created = await classified(where, `${what} (starting a multipart copy)`, () =>
    s3.send(
      new CreateMultipartUploadCommand({
        Bucket: target.bucket,
        Key: source.key,
        StorageClass: storageClass,
        ...headers,
        ...(tagging !== '' ? { Tagging: tagging } : {}),
      }),
      sendOptions(),
    ),
  );
  const uploadId = created.UploadId!;
  openUploads.set(uploadId, { key: source.key, uploadId });
  try {
    const ranges: { PartNumber: number; range: string }[] = [];
    for (let start = 0, part = 1; start < source.size; start += partBytes, part++) {
      ranges.push({ PartNumber: part, range: `bytes=${start}-${Math.min(start + partBytes, source.size) - 1}` });
    }
    const parts: CompletedPart[] = [];
    await forEachLimited(ranges, PARTS_IN_FLIGHT, async ({ PartNumber, range }) => {
      const out = await classified(where, `${what} (part ${PartNumber} of ${ranges.length})`, () =>
        s3.send(
          new UploadPartCopyCommand({
            Bucket: target.bucket,
            Key: source.key,
            UploadId: uploadId,
            PartNumber,
            CopySource: copySource(target.bucket, source, byVersion),
            CopySourceRange: range,
          }),
          sendOptions(),
        ),
      );
      parts.push({ PartNumber, ETag: out.CopyPartResult?.ETag });
    });
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await classified(where, `${what} (completing the multipart copy)`, () =>
      s3.send(
        new CompleteMultipartUploadCommand({ Bucket: target.bucket, Key: source.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
        sendOptions(),
      ),
    );
    openUploads.delete(uploadId);
  } catch (err) {
    // Without the abort its parts stay stored (and billed). Not under the cancellation signal: a cancelled
    // activity must still clean up.
    await abortUpload(s3, target.bucket, source.key, uploadId);
    openUploads.delete(uploadId);
    throw err;
  }
}

/** Aborts an upload; one already aborted or completed is fine. Failures are left to the next attempt's cleanup. */
export async function abortUpload(s3: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (err) {
    if (awsErrorCode(err) !== 'NoSuchUpload') activityContext()?.log.warn('could not abort a multipart upload', { bucket, key, uploadId, error: String(err) });
  }
}
