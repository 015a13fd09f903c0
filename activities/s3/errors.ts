import { ApplicationFailure } from '@temporalio/activity';
import { OWNERSHIP_VIOLATION } from '../inventory/ownership.js';

/**
 * Failure types of the S3 activities, every one thrown non-retryable (a retry cannot fix it). One catalog, so
 * the workflow and the CLI can list them (`S3_FAILURE_TYPES`). Refused isolation checks carry OwnershipViolation.
 */
export const S3_ACCESS_DENIED = 'S3AccessDenied';
export const S3_NO_SUCH_BUCKET = 'S3NoSuchBucket';
/** S3 refused to read or copy an object in its storage class or tier (InvalidObjectState). */
export const S3_INVALID_OBJECT_STATE = 'S3InvalidObjectState';
/** S3 said the request itself is wrong (InvalidRequest, InvalidArgument, …): sending it again changes nothing. */
export const S3_INVALID_REQUEST = 'S3InvalidRequest';
/** The object's KMS key is disabled, pending deletion, missing, or refuses the ops role. */
export const S3_KMS_KEY_UNUSABLE = 'S3KmsKeyUnusable';
/** A version under Object Lock retention or legal hold, or a bucket whose default retention would lock the copies. */
export const S3_OBJECT_LOCKED = 'S3ObjectLocked';
/** Encrypted with a customer-provided key (SSE-C): S3 cannot read or copy it without that key, which we do not have. */
export const S3_CUSTOMER_KEY_ENCRYPTED = 'S3CustomerKeyEncrypted';
/** In Intelligent-Tiering's Archive Access or Deep Archive Access tier: it must be restored before it can be copied. */
export const S3_INTELLIGENT_TIERING_ARCHIVED = 'S3IntelligentTieringArchived';
/** Beyond what a multipart copy can take (10,000 parts of at most 5 GiB). */
export const S3_OBJECT_TOO_LARGE = 'S3ObjectTooLarge';
export const S3_VERSIONING_SUSPENDED = 'S3VersioningSuspended';
/** DeleteObjects failed for some entries with a code no retry gets past. */
export const S3_DELETE_FAILED = 'S3DeleteFailed';
export const S3_INVALID_CURSOR = 'S3InvalidCursor';
export const S3_INVALID_POLICY = 'S3InvalidBucketPolicy';
export const S3_INVALID_STORAGE_CLASS = 'S3InvalidStorageClass';
/** After archiving, a deleted key was no longer deleted (or a live key was): stop before the next page does the same. */
export const S3_DELETE_MARKER_STATE = 'S3DeleteMarkerStateWrong';
/** Any other error code S3 documents as a fault of the request, not of S3. */
export const S3_REQUEST_REJECTED = 'S3RequestRejected';
/** Closing a customer would push the bucket policy over S3's 20 KB limit. */
export const S3_POLICY_TOO_LARGE = 'S3PolicyTooLarge';

export const S3_FAILURE_TYPES = [
  S3_ACCESS_DENIED,
  S3_NO_SUCH_BUCKET,
  S3_INVALID_OBJECT_STATE,
  S3_INVALID_REQUEST,
  S3_KMS_KEY_UNUSABLE,
  S3_OBJECT_LOCKED,
  S3_CUSTOMER_KEY_ENCRYPTED,
  S3_INTELLIGENT_TIERING_ARCHIVED,
  S3_OBJECT_TOO_LARGE,
  S3_VERSIONING_SUSPENDED,
  S3_DELETE_FAILED,
  S3_INVALID_CURSOR,
  S3_INVALID_POLICY,
  S3_INVALID_STORAGE_CLASS,
  S3_DELETE_MARKER_STATE,
  S3_REQUEST_REJECTED,
  S3_POLICY_TOO_LARGE,
] as const;

export type S3FailureType = (typeof S3_FAILURE_TYPES)[number];

export function nonRetryable(message: string, type: S3FailureType | typeof OWNERSHIP_VIOLATION): never {
  throw ApplicationFailure.nonRetryable(message, type);
}

/** S3 answered with a key outside the prefix we asked for: stop before touching it. */
export function assertUnderPrefix(bucket: string, prefix: string, key: string | undefined): string {
  if (key === undefined || !key.startsWith(prefix)) {
    nonRetryable(`S3 listed ${JSON.stringify(key)} outside s3://${bucket}/${prefix}`, OWNERSHIP_VIOLATION);
  }
  return key;
}

/**
 * The error code of an AWS SDK v3 service exception (its `name`), if S3 sent one. A HEAD response has no body,
 * so for anything but 404 the SDK cannot know the code and names it 'Unknown': undefined here.
 */
export function awsErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { Code?: unknown }).Code;
  const named = typeof code === 'string' && code !== '' ? code : err.name;
  return UNNAMED.has(named) ? undefined : named;
}

/** What the SDK calls an error whose code it could not read. */
const UNNAMED = new Set(['Unknown', 'UnknownError', 'Error']);

// Codes S3 answers for a request that is wrong as sent; grouped by the type they turn into. Throttling
// (SlowDown), S3's own faults (InternalError, ServiceUnavailable), timeouts, expired credentials and clock
// skew (the SDK refreshes / corrects those) are not here: they stay retryable. So does NoSuchKey/NoSuchVersion,
// since a paged activity re-lists on retry and no longer sees what vanished.
const PERMANENT: Readonly<Record<string, S3FailureType>> = {
  AccessDenied: S3_ACCESS_DENIED,
  AllAccessDisabled: S3_ACCESS_DENIED,
  AccountProblem: S3_ACCESS_DENIED,
  InvalidAccessKeyId: S3_ACCESS_DENIED,
  InvalidSecurity: S3_ACCESS_DENIED,
  SignatureDoesNotMatch: S3_ACCESS_DENIED,
  InvalidPayer: S3_ACCESS_DENIED,
  NoSuchBucket: S3_NO_SUCH_BUCKET,
  InvalidObjectState: S3_INVALID_OBJECT_STATE,
  ObjectNotInActiveTierError: S3_INVALID_OBJECT_STATE,
  InvalidRequest: S3_INVALID_REQUEST,
  InvalidArgument: S3_INVALID_REQUEST,
  InvalidStorageClass: S3_INVALID_REQUEST,
  InvalidBucketState: S3_INVALID_REQUEST,
  InvalidEncryptionAlgorithmError: S3_INVALID_REQUEST,
  InvalidTag: S3_INVALID_REQUEST,
  InvalidRange: S3_INVALID_REQUEST,
  InvalidPart: S3_INVALID_REQUEST,
  InvalidPartOrder: S3_INVALID_REQUEST,
  EntityTooLarge: S3_INVALID_REQUEST,
  EntityTooSmall: S3_INVALID_REQUEST,
  KeyTooLongError: S3_INVALID_REQUEST,
  MetadataTooLarge: S3_INVALID_REQUEST,
  MalformedXML: S3_INVALID_REQUEST,
  MalformedPolicy: S3_INVALID_REQUEST,
  MissingSecurityHeader: S3_INVALID_REQUEST,
  MethodNotAllowed: S3_REQUEST_REJECTED,
  NotImplemented: S3_REQUEST_REJECTED,
  PermanentRedirect: S3_REQUEST_REJECTED,
  AuthorizationHeaderMalformed: S3_REQUEST_REJECTED,
  IllegalLocationConstraintException: S3_REQUEST_REJECTED,
  InvalidBucketName: S3_REQUEST_REJECTED,
  AccessControlListNotSupported: S3_REQUEST_REJECTED,
};

/** KMS errors S3 passes through (as `KMS.<exception>`) that a later attempt can get past. */
const KMS_TRANSIENT = new Set([
  'KMS.ThrottlingException',
  'KMS.LimitExceededException',
  'KMS.KMSInternalException',
  'KMS.DependencyTimeoutException',
]);

/** The failure type a permanent S3 error code turns into, or undefined for one worth retrying. */
export function permanentType(code: string | undefined): S3FailureType | undefined {
  if (code === undefined) return undefined;
  if (code.startsWith('KMS.')) return KMS_TRANSIENT.has(code) ? undefined : S3_KMS_KEY_UNUSABLE;
  return PERMANENT[code];
}

/** What to do about each failure type, appended to the message. */
const ADVICE: Partial<Record<S3FailureType, string>> = {
  [S3_ACCESS_DENIED]: 'is the worker running as the ops role, and does the bucket policy or a KMS key policy let it in?',
  [S3_NO_SUCH_BUCKET]: 'the bucket is gone or the inventory names the wrong one',
  [S3_KMS_KEY_UNUSABLE]: "the object's KMS key must be enabled and usable by the ops role",
};

/**
 * The one classifier of S3 errors: a permanent error code becomes a non-retryable ApplicationFailure of a stable
 * type whose message names the `subject` (the object, prefix or bucket) and what was being done to it; anything
 * else (throttling, 5xx, network, cancellation, a failure already classified) comes back unchanged, for
 * Temporal to retry or report.
 */
export function classifyS3Error(err: unknown, subject: string, action?: string): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof Error && err.name === 'AbortError') return err; // the activity was cancelled
  const code = awsErrorCode(err);
  const type = permanentType(code);
  if (!type) return err;
  const lead = type === S3_ACCESS_DENIED ? `access denied to ${subject}` : subject;
  const detail = err instanceof Error && err.message && err.message !== code ? `: ${err.message}` : '';
  const advice = ADVICE[type] ? ` (${ADVICE[type]})` : '';
  return ApplicationFailure.create({
    message: `${lead}${action ? ` (${action})` : ''}: S3 answered ${code}${detail}${advice}`,
    type,
    nonRetryable: true,
    ...(err instanceof Error ? { cause: err } : {}),
  });
}

/** Runs one S3 call, turning a permanent error into its non-retryable failure (see classifyS3Error). */
export async function classified<T>(subject: string, action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw classifyS3Error(err, subject, action);
  }
}
