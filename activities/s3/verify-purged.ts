import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { S3Deps } from './deps.js';
import { assertUnderPrefix } from './errors.js';
import { sendOptions } from './heartbeat.js';
import { describeEntry, listVersionsPage, nextCursorOf } from './listing.js';
import type { VerifyS3Input, VerifyS3PurgedResult } from './types.js';

const SAMPLE_SIZE = 20;

/**
 * Lists one page under the target again after a purge: versions, delete markers and incomplete uploads must all
 * be gone. Paged like planS3Page: first the versions; the call that lists their last page also lists the first
 * page of incomplete uploads, and a cursor with upload markers goes on through the uploads.
 */
export async function verifyS3Purged({ s3 }: S3Deps, pageSize: number, input: VerifyS3Input): Promise<VerifyS3PurgedResult> {
  const result: VerifyS3PurgedResult = { remaining: 0, sample: [] };
  const found = (what: string) => {
    result.remaining += 1;
    if (result.sample.length < SAMPLE_SIZE) result.sample.push(what);
  };
  const cursor = input.cursor;
  if (cursor?.uploadKeyMarker === undefined) {
    const page = await listVersionsPage(s3, input, {
      ...(cursor?.keyMarker !== undefined ? { keyMarker: cursor.keyMarker } : {}),
      ...(cursor?.versionIdMarker !== undefined ? { versionIdMarker: cursor.versionIdMarker } : {}),
      maxKeys: pageSize,
    });
    for (const e of page.entries) found(e.deleteMarker ? `${describeEntry(e)} (delete marker)` : describeEntry(e));
    const nextCursor = nextCursorOf(page);
    if (nextCursor) return { nextCursor, ...result };
  }

  const out = await s3.send(
    new ListMultipartUploadsCommand({
      Bucket: input.bucket,
      Prefix: input.prefix,
      MaxUploads: pageSize,
      ...(cursor?.uploadKeyMarker !== undefined ? { KeyMarker: cursor.uploadKeyMarker } : {}),
      ...(cursor?.uploadIdMarker !== undefined ? { UploadIdMarker: cursor.uploadIdMarker } : {}),
    }),
    sendOptions(),
  );
  for (const u of out.Uploads ?? []) found(`${assertUnderPrefix(input.bucket, input.prefix, u.Key)} (incomplete upload ${u.UploadId ?? '?'})`);
  if (!out.IsTruncated || out.NextKeyMarker === undefined) return result;
  const nextCursor = { uploadKeyMarker: out.NextKeyMarker, ...(out.NextUploadIdMarker !== undefined ? { uploadIdMarker: out.NextUploadIdMarker } : {}) };
  return { nextCursor, ...result };
}
