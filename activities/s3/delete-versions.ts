import { DeleteObjectsCommand, type S3Client, type _Error } from '@aws-sdk/client-s3';
import { assertUnderPrefix, classified, nonRetryable, S3_DELETE_FAILED, S3_OBJECT_LOCKED } from './errors.js';
import { sendOptions } from './heartbeat.js';
import { objectLockState } from './preflight.js';
import type { S3Target } from './types.js';

/** S3 takes at most 1000 keys per DeleteObjects (moto does not enforce it: chunk anyway). */
export const MAX_KEYS_PER_DELETE = 1000;

/** Entry codes a later attempt can get past; any other (AccessDenied, Object Lock, MFA delete) it cannot. */
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
    const out = await classified(`s3://${target.bucket}/${target.prefix}`, `deleting ${chunk.length} versions`, () =>
      s3.send(
        new DeleteObjectsCommand({
          Bucket: target.bucket,
          Delete: { Quiet: true, Objects: chunk.map((e) => ({ Key: e.key, VersionId: e.versionId })) },
        }),
        sendOptions(),
      ),
    );
    const errors = out.Errors ?? [];
    if (errors.length) await failDeletes(s3, target.bucket, errors);
  }
}

/**
 * Fails the call for the entries S3 did not delete: retryable while every code is one a later attempt gets past,
 * else non-retryable S3DeleteFailed, the entries' codes in the message. A version under Object Lock answers AccessDenied like a
 * missing permission; the bucket's Object Lock configuration (read only on this failure path) tells them apart.
 */
async function failDeletes(s3: S3Client, bucket: string, errors: _Error[]): Promise<never> {
  const shown = errors
    .slice(0, 5)
    .map((e) => `${e.Key ?? '?'}@${e.VersionId ?? '?'}: ${e.Code ?? '?'} ${e.Message ?? ''}`.trim())
    .join('; ');
  const message = `DeleteObjects on ${bucket} failed for ${errors.length} entries: ${shown}`;
  if (errors.every((e) => TRANSIENT.has(e.Code ?? ''))) throw new Error(message);
  if (errors.some((e) => e.Code === 'AccessDenied') && (await objectLockState(s3, bucket)).enabled) {
    nonRetryable(`${message} (bucket ${bucket} has Object Lock: these versions are under retention or a legal hold)`, S3_OBJECT_LOCKED);
  }
  nonRetryable(message, S3_DELETE_FAILED);
}
