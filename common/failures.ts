/**
 * Every failure type the suite raises on purpose, in one catalog: whether a retry can fix it (activities throw
 * the non-retryable ones with ApplicationFailure.nonRetryable, and the workflows list them again as a second
 * guard) and which exit code the CLI gives for it. A new failure type is added here first;
 * test/unit/failures.test.ts checks that every type the activities export is here.
 */
export type ExitClass = 'FAILURE' | 'DATA' | 'NOT_FOUND' | 'NOPERM' | 'UNAVAILABLE' | 'CONFIG';

interface FailureSpec {
  retryable: boolean;
  exit: ExitClass;
  /** For an operator reading a failure in the UI or the CLI. */
  meaning: string;
}

const refusal = (meaning: string, exit: ExitClass = 'FAILURE'): FailureSpec => ({ retryable: false, exit, meaning });

export const FAILURES = {
  // Inventory and input
  OwnershipViolation: refusal('a resource is not the customer\'s own, or a prefix reaches another customer\'s'),
  UnknownCustomer: refusal('the customer is not in the inventory', 'NOT_FOUND'),
  NotFound: refusal('no such record (certificate, lifecycle)', 'NOT_FOUND'),
  CustomerPurged: refusal('the customer was purged: nothing is left'),
  InvalidCustomer: refusal('an invalid customer record', 'DATA'),
  InventoryConflict: refusal('the inventory already has that id or resource', 'DATA'),
  InvalidLifecycleInput: refusal('workflow input that did not come from the suite, or outside the worker\'s bounds', 'DATA'),
  Refused: refusal('the lifecycle refused the request in its current stage'),
  // Operators and state
  OperatorNotVerified: refusal('the signed operator identity did not check out against the workers\' allow-list', 'NOPERM'),
  CheckpointMissing: refusal('a continued lifecycle found no state saved by its own earlier run'),
  UnsupportedStateVersion: refusal('a saved lifecycle state is newer than this worker'),
  InvariantBroken: refusal('the lifecycle reached a state its code rules out'),
  VerificationFailed: refusal('verification still found data after several rounds'),
  // S3 (activities/s3/errors.ts)
  S3AccessDenied: refusal('S3 refused the ops role (is the worker running as aws.opsRoleArn? a KMS key policy?)', 'NOPERM'),
  S3NoSuchBucket: refusal('the bucket does not exist'),
  S3InvalidObjectState: refusal('S3 cannot read or copy the object in its storage class or tier'),
  S3InvalidRequest: refusal('S3 rejected the request as malformed'),
  S3KmsKeyUnusable: refusal('the object\'s KMS key is disabled, deleted or refuses the ops role'),
  S3ObjectLocked: refusal('a version under Object Lock retention or legal hold'),
  S3CustomerKeyEncrypted: refusal('an SSE-C object: S3 cannot copy it without the customer\'s key'),
  S3IntelligentTieringArchived: refusal('an object in an Intelligent-Tiering archive tier must be restored first'),
  S3ObjectTooLarge: refusal('an object beyond what a multipart copy can take'),
  S3VersioningSuspended: refusal('the bucket has versioning suspended: copies would overwrite its null versions'),
  S3DeleteFailed: refusal('DeleteObjects failed for entries with a permanent error'),
  S3InvalidCursor: refusal('a paged call got a cursor it did not hand out'),
  S3InvalidBucketPolicy: refusal('the bucket policy is not valid JSON'),
  S3InvalidStorageClass: refusal('not an archive storage class'),
  S3DeleteMarkerStateWrong: refusal('after archiving, a deleted key was live or a live key deleted'),
  S3RequestRejected: refusal('S3 rejected the request with a permanent error code'),
  S3PolicyTooLarge: refusal('the bucket policy would exceed S3\'s 20 KB limit'),
  OpsRoleMismatch: refusal('the worker does not run as aws.opsRoleArn: closing a bucket would lock everyone out', 'NOPERM'),
  // Warehouses (activities/warehouse/errors.ts, refusals.ts)
  WarehouseNotFound: refusal('the cluster or instance is not there, and no lifecycle step removed it'),
  WarehouseLocationMismatch: refusal('the inventory records another region or account than the worker\'s'),
  WarehouseAccessDenied: refusal('AWS refused the ops role on the warehouse', 'NOPERM'),
  WarehouseRequestRejected: refusal('AWS rejected a warehouse request with a permanent error code'),
  ClosedSecurityGroupConflict: refusal('a security group named like the suite\'s closed group is not the suite\'s'),
  FinalSnapshotMissing: refusal('the final snapshot of a removed warehouse is missing'),
  FinalSnapshotConflict: refusal('a snapshot with the final snapshot\'s name is not the suite\'s'),
  DeletionProtected: refusal('the warehouse has deletion protection on'),
  UnexpectedAwsResponse: refusal('AWS answered in a shape the activity does not know'),
  WarehouseAwsUnavailable: { retryable: true, exit: 'UNAVAILABLE', meaning: 'AWS throttled or failed; retried' },
} as const satisfies Record<string, FailureSpec>;

export type FailureType = keyof typeof FAILURES;

/** Types a retry cannot fix: the workflows' nonRetryableErrorTypes. */
export const NON_RETRYABLE_TYPES: string[] = Object.entries(FAILURES)
  .filter(([, spec]) => !spec.retryable)
  .map(([type]) => type);

export function failureSpec(type: string | undefined): FailureSpec | undefined {
  return type && Object.hasOwn(FAILURES, type) ? FAILURES[type as FailureType] : undefined;
}
