import { DeleteObjectsCommand, type S3Client, type _Error } from '@aws-sdk/client-s3';
import { assertUnderPrefix, nonRetryable, S3_DELETE_FAILED } from './errors.js';
import type { S3Target } from './types.js';

/** S3 takes at most 1000 keys per DeleteObjects (moto does not enforce it: chunk anyway). */
const MAX_KEYS_PER_DELETE = 1000;

/** Codes that a later attempt can get past; anything else (AccessDenied, object lock, MFA delete) cannot. */
const TRANSIENT = new Set(['InternalError', 'SlowDown', 'ServiceUnavailable', 'RequestTimeout']);

/**
 * Deletes these versions / delete markers by VersionId, each checked against the prefix first. S3 answers 200
 * even when some keys failed: its Errors list is checked and any entry fails the call.
 */
export async function deleteVersions(
  s3: S3Client,
  target: S3Target,
  entries: readonly { key: string; versionId: string }[],
): Promise<void> {
  for (const e of entries) assertUnderPrefix(target.bucket, target.prefix, e.key);
  for (let start = 0; start < entries.length; start += MAX_KEYS_PER_DELETE) {
    const chunk = entries.slice(start, start + MAX_KEYS_PER_DELETE);
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: target.bucket,
        Delete: { Quiet: true, Objects: chunk.map((e) => ({ Key: e.key, VersionId: e.versionId })) },
      }),
    );
    const errors = out.Errors ?? [];
    if (errors.length) failDeletes(target.bucket, errors);
  }
}

function failDeletes(bucket: string, errors: _Error[]): never {
  const shown = errors
    .slice(0, 5)
    .map((e) => `${e.Key ?? '?'}@${e.VersionId ?? '?'}: ${e.Code ?? '?'} ${e.Message ?? ''}`.trim())
    .join('; ');
  const message = `DeleteObjects on ${bucket} failed for ${errors.length} entries: ${shown}`;
  if (errors.every((e) => TRANSIENT.has(e.Code ?? ''))) throw new Error(message);
  nonRetryable(message, S3_DELETE_FAILED);
}
