import { ApplicationFailure } from '@temporalio/activity';

/** Failure types of the warehouse activities. Every one but WAREHOUSE_AWS_UNAVAILABLE is thrown non-retryable. */
export const WAREHOUSE_NOT_FOUND = 'WarehouseNotFound';
export const WAREHOUSE_LOCATION_MISMATCH = 'WarehouseLocationMismatch';
export const WAREHOUSE_ACCESS_DENIED = 'WarehouseAccessDenied';
export const WAREHOUSE_REQUEST_REJECTED = 'WarehouseRequestRejected';
export const CLOSED_SECURITY_GROUP_CONFLICT = 'ClosedSecurityGroupConflict';
/** Retryable: AWS throttled, failed on its side, or the cluster/instance is busy changing. */
export const WAREHOUSE_AWS_UNAVAILABLE = 'WarehouseAwsUnavailable';

// Redshift, RDS and EC2 answer throttling with HTTP 400, so only the error code tells it from a bad request.
const THROTTLED = [
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
];
const SERVER_SIDE = [
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'IDPCommunicationError',
];
// Credentials that expired or a skewed clock: the SDK refreshes / corrects them, so a later attempt can pass.
const CREDENTIALS_STALE = ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'RequestInTheFuture', 'RequestTimeTooSkewed'];
// The cluster/instance/snapshot is in the middle of another change: the same call succeeds once it settles.
// Both spellings: the SDK names modelled errors '…Fault', unmodelled ones keep the wire code.
const BUSY = [
  'InvalidClusterState',
  'InvalidClusterStateFault',
  'InvalidClusterSnapshotState',
  'InvalidClusterSnapshotStateFault',
  'InvalidDBInstanceState',
  'InvalidDBInstanceStateFault',
  'InvalidDBSnapshotState',
  'InvalidDBSnapshotStateFault',
  'IncorrectState',
  'ConcurrentTagAccess',
];
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthFailure',
  'AuthorizationError',
  'IncompleteSignature',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'MissingAuthenticationToken',
  'NotAuthorized',
  'OptInRequired',
  'SignatureDoesNotMatch',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
]);
const RETRYABLE = new Set([...THROTTLED, ...SERVER_SIDE, ...CREDENTIALS_STALE, ...BUSY]);

interface AwsServiceError extends Error {
  $fault: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { requestId?: string };
}

/** An exception AWS answered with (it carries an error code), not a network, timeout or parse error. */
function isAwsServiceError(err: unknown): err is AwsServiceError {
  return err instanceof Error && '$fault' in err;
}

/** Names the SDK falls back to when a response carried no error code (e.g. an HTML 502 from a proxy). */
function hasNoErrorCode(name: string): boolean {
  return name === 'Error' || name === 'UnknownError' || name === 'Unknown' || /^\d+$/.test(name);
}

export type AwsErrorClass = 'retryable' | 'denied' | 'rejected' | 'not-aws';

/** Classifies by the AWS error code (err.name) alone: the HTTP status does not tell throttling from a bad request. */
export function classifyAwsError(err: unknown): AwsErrorClass {
  if (!isAwsServiceError(err)) return 'not-aws';
  const code = err.name;
  if (RETRYABLE.has(code) || err.$retryable !== undefined || hasNoErrorCode(code)) return 'retryable';
  return DENIED.has(code) ? 'denied' : 'rejected';
}

/**
 * AWS errors become ApplicationFailures with a stable type: permanent ones non-retryable (an unlimited retry
 * policy would otherwise repeat them forever), throttling / server-side / busy ones retryable. Anything else
 * (our own failures, cancellation, network and timeout errors) passes through unchanged.
 */
export function asWarehouseFailure(err: unknown): unknown {
  const kind = classifyAwsError(err);
  if (kind === 'not-aws') return err;
  const aws = err as AwsServiceError;
  const details = [{ awsErrorCode: aws.name, requestId: aws.$metadata?.requestId ?? null }];
  const message = `AWS ${aws.name}: ${aws.message}`;
  switch (kind) {
    case 'retryable':
      return ApplicationFailure.create({ message, type: WAREHOUSE_AWS_UNAVAILABLE, nonRetryable: false, details, cause: aws });
    case 'denied':
      return ApplicationFailure.create({ message, type: WAREHOUSE_ACCESS_DENIED, nonRetryable: true, details, cause: aws });
    case 'rejected':
      return ApplicationFailure.create({ message, type: WAREHOUSE_REQUEST_REJECTED, nonRetryable: true, details, cause: aws });
  }
}

/** Wraps an activity so that whatever AWS error escapes it is classified. */
export function classifyingAwsErrors<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw asWarehouseFailure(err);
    }
  };
}
