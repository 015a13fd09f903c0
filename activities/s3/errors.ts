import { ApplicationFailure } from '@temporalio/activity';
import { OWNERSHIP_VIOLATION } from '../inventory/ownership.js';

/** Failure types of the S3 activities that retrying cannot fix. */
export const S3_OBJECT_TOO_LARGE = 'S3ObjectTooLarge';
export const S3_VERSIONING_SUSPENDED = 'S3VersioningSuspended';
export const S3_DELETE_FAILED = 'S3DeleteFailed';
export const S3_INVALID_CURSOR = 'S3InvalidCursor';
export const S3_INVALID_POLICY = 'S3InvalidBucketPolicy';

export function nonRetryable(message: string, type: string): never {
  throw ApplicationFailure.nonRetryable(message, type);
}

/** S3 answered with a key outside the prefix we asked for: stop before touching it. */
export function assertUnderPrefix(bucket: string, prefix: string, key: string | undefined): string {
  if (key === undefined || !key.startsWith(prefix)) {
    nonRetryable(`S3 listed ${JSON.stringify(key)} outside s3://${bucket}/${prefix}`, OWNERSHIP_VIOLATION);
  }
  return key;
}

/** The error code of an AWS SDK v3 service exception (its `name`), if it is one. */
export function awsErrorCode(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

export const S3_ACCESS_DENIED = 'S3AccessDenied';

/** A 403 from S3 (HeadObject answers it without a body, so the SDK cannot name it AccessDenied). */
export function isAccessDenied(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return awsErrorCode(err) === 'AccessDenied' || status === 403;
}
