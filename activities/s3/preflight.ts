import {
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { SOURCE_VERSION_METADATA } from './archive-key.js';
import {
  awsErrorCode,
  classifyS3Error,
  nonRetryable,
  S3_CUSTOMER_KEY_ENCRYPTED,
  S3_INTELLIGENT_TIERING_ARCHIVED,
  S3_OBJECT_LOCKED,
} from './errors.js';
import { sendOptions } from './heartbeat.js';
import { describeEntry, type VersionEntry } from './listing.js';
import type { S3Target } from './types.js';

/**
 * Checks made before a page changes anything: what S3 would refuse halfway (a copy it cannot read, a source it
 * will not delete) is refused up front, naming the object, so a page is never left half archived by a refusal.
 */

export interface ObjectLockState {
  enabled: boolean;
  /** The bucket's default retention, e.g. "COMPLIANCE 30 days", if it has one. */
  defaultRetention?: string;
}

/** The bucket's Object Lock configuration (one request per page). */
export async function objectLockState(s3: S3Client, bucket: string): Promise<ObjectLockState> {
  try {
    const out = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }), sendOptions());
    const config = out.ObjectLockConfiguration;
    const retention = config?.Rule?.DefaultRetention;
    const period = retention?.Days !== undefined ? `${retention.Days} days` : retention?.Years !== undefined ? `${retention.Years} years` : undefined;
    return {
      enabled: config?.ObjectLockEnabled === 'Enabled',
      ...(retention && period ? { defaultRetention: `${retention.Mode ?? '?'} ${period}` } : {}),
    };
  } catch (err) {
    if (awsErrorCode(err) === 'ObjectLockConfigurationNotFoundError') return { enabled: false };
    throw classifyS3Error(err, `bucket ${bucket}`, 'reading its Object Lock configuration');
  }
}

/**
 * A bucket whose default retention locks every new version: the archived copies would be locked (a copy is a
 * new version), and the later purge could not delete them until the retention ends.
 */
export function refuseDefaultRetention(bucket: string, lock: ObjectLockState): void {
  if (lock.defaultRetention) {
    nonRetryable(
      `bucket ${bucket} has Object Lock with a default retention (${lock.defaultRetention}): archived copies would be locked ` +
        'against the purge; archive it only once the default retention is removed',
      S3_OBJECT_LOCKED,
    );
  }
}

/** The VersionId a candidate copy is marked with (see SOURCE_VERSION_METADATA), if any. */
export async function sourceVersionMark(s3: S3Client, target: S3Target, candidate: VersionEntry): Promise<string | undefined> {
  const head = await headVersion(s3, target, candidate, true);
  return head.Metadata?.[SOURCE_VERSION_METADATA];
}

/** HeadObject of one listed version; a failure is classified (see explainHeadFailure). */
async function headVersion(s3: S3Client, target: S3Target, entry: VersionEntry, byVersion: boolean): Promise<HeadObjectCommandOutput> {
  const version = byVersion ? { VersionId: entry.versionId } : {};
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: entry.key, ...version }), sendOptions());
  } catch (err) {
    throw await explainHeadFailure(s3, target, entry, version, err);
  }
}

/**
 * HeadObject of a version to archive (its headers make the copy), refusing what cannot be copied or deleted:
 * an Intelligent-Tiering archive tier, an SSE-C key we do not have, Object Lock retention or a legal hold.
 */
export async function headSource(s3: S3Client, target: S3Target, source: VersionEntry, byVersion: boolean): Promise<HeadObjectCommandOutput> {
  const where = `s3://${target.bucket}/${describeEntry(source)}`;
  const head = await headVersion(s3, target, source, byVersion);
  if (head.ArchiveStatus) {
    nonRetryable(
      `${where} is in Intelligent-Tiering's ${head.ArchiveStatus} tier: S3 cannot copy it until it is restored (RestoreObject); ` +
        'restore it, then archive again',
      S3_INTELLIGENT_TIERING_ARCHIVED,
    );
  }
  if (head.ObjectLockLegalHoldStatus === 'ON') {
    nonRetryable(`${where} is under an Object Lock legal hold: its original could not be deleted after the copy`, S3_OBJECT_LOCKED);
  }
  const until = head.ObjectLockRetainUntilDate;
  if (until instanceof Date && until.getTime() > Date.now()) {
    nonRetryable(
      `${where} is under Object Lock ${head.ObjectLockMode ?? ''} retention until ${until.toISOString()}: its original could not be deleted after the copy`,
      S3_OBJECT_LOCKED,
    );
  }
  return head;
}

/**
 * A HEAD failure has no body, so the SDK cannot name the error (an SSE-C object answers a bare 400, a denied
 * read a bare 403). The same read as a one-byte GET carries S3's error code, which then decides; only failures
 * pay for it.
 */
async function explainHeadFailure(
  s3: S3Client,
  target: S3Target,
  source: VersionEntry,
  version: { VersionId?: string },
  headError: unknown,
): Promise<unknown> {
  const where = `s3://${target.bucket}/${describeEntry(source)}`;
  if (awsErrorCode(headError) !== undefined) return classifyS3Error(headError, where, 'reading it');
  let code: string | undefined;
  let getError: unknown;
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: target.bucket, Key: source.key, ...version, ...(source.size > 0 ? { Range: 'bytes=0-0' } : {}) }),
      sendOptions(),
    );
    await out.Body?.transformToByteArray();
    return headError; // readable after all: a passing fault, worth a retry
  } catch (err) {
    code = awsErrorCode(err);
    getError = err;
  }
  // An existing version that S3 will not read for a valid request: encrypted with a key we were not given.
  if (code === 'InvalidRequest') {
    const message = getError instanceof Error ? getError.message : '';
    nonRetryable(
      `${where} is encrypted with a customer-provided key (SSE-C): S3 reads or copies it only with that key, which the ops ` +
        `role does not have (${message}); whoever holds the key can re-encrypt it with SSE-S3 or SSE-KMS (a CopyObject ` +
        'onto itself), then archive again',
      S3_CUSTOMER_KEY_ENCRYPTED,
    );
  }
  return classifyS3Error(getError, where, 'reading it');
}
