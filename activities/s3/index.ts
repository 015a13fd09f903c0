import type { S3Deps } from './deps.js';
import { closeS3Access, restoreS3Access } from './access.js';
import { archiveS3Page, type ArchiveLimits } from './archive.js';
import { GIB, MAX_COPY_OBJECT_BYTES, MAX_PART_BYTES, MIB, MIN_PART_BYTES } from './copy.js';
import { classifyS3Error } from './errors.js';
import { activityContext } from './heartbeat.js';
import { planS3Page } from './plan.js';
import { purgeS3Page } from './purge.js';
import type {
  ArchiveS3PageInput,
  ArchiveS3PageResult,
  PlanS3PageInput,
  PlanS3PageResult,
  PurgeS3PageResult,
  S3AccessInput,
  S3AccessResult,
  S3Target,
  VerifyS3ArchivedResult,
  VerifyS3Input,
  VerifyS3PurgedResult,
} from './types.js';
import { verifyS3Archived } from './verify-archived.js';
import { verifyS3Purged } from './verify-purged.js';

export type * from './types.js';

export interface S3ActivityOptions {
  /** The role the workers run as: the only principal the closing Deny lets through. */
  opsRoleArn: string;
  /** Entries per ListObjectVersions page of plan, archive and verify, 1-1000 (S3's maximum); default 1000. */
  pageSize?: number;
  /**
   * Entries per purge page, 1-1000; default 1000, S3's maximum, so a purge costs one listing and one DeleteObjects
   * per 1,000 versions. Smaller pages only cost requests (they heartbeat and checkpoint more often).
   */
  purgePageSize?: number;
  /** An archive page stops taking keys once their bytes to archive would pass this; default 50 GiB. */
  archivePageBytes?: number;
  /** Objects larger than this are archived with a multipart copy; at most 5 GiB (CopyObject's limit), the default. */
  multipartThresholdBytes?: number;
  /** Part size of a multipart copy, 5 MiB-5 GiB; default 512 MiB (raised for objects that need more than 10,000 parts). */
  multipartPartBytes?: number;
}

export { S3_FAILURE_TYPES, type S3FailureType } from './errors.js';

const DEFAULT_ARCHIVE_PAGE_BYTES = 50 * GIB;
const DEFAULT_PART_BYTES = 512 * MIB;

function archiveLimits(options: S3ActivityOptions, pageSize: number): ArchiveLimits {
  const limits: ArchiveLimits = {
    pageSize,
    pageBytes: options.archivePageBytes ?? DEFAULT_ARCHIVE_PAGE_BYTES,
    multipartThresholdBytes: options.multipartThresholdBytes ?? MAX_COPY_OBJECT_BYTES,
    multipartPartBytes: options.multipartPartBytes ?? DEFAULT_PART_BYTES,
  };
  const check = (name: string, value: number, min: number, max: number) => {
    if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`${name} must be ${min}-${max} bytes, got ${value}`);
  };
  check('archivePageBytes', limits.pageBytes, 1, Number.MAX_SAFE_INTEGER);
  check('multipartThresholdBytes', limits.multipartThresholdBytes, 0, MAX_COPY_OBJECT_BYTES);
  check('multipartPartBytes', limits.multipartPartBytes, MIN_PART_BYTES, MAX_PART_BYTES);
  return limits;
}

/**
 * Every S3 error the activity did not classify itself goes through the one classifier on the way out: a
 * permanent code fails the activity non-retryably with a stable type; throttling and 5xx stay retryable.
 */
function classifiedActivity<I extends S3Target, R>(name: string, run: (input: I) => Promise<R>): (input: I) => Promise<R> {
  return async (input) => {
    try {
      return await run(input);
    } catch (err) {
      // Cancelled: report the cancellation, whatever the aborted request raised on its way out.
      const cancelled = activityContext()?.cancellationSignal;
      if (cancelled?.aborted) throw cancelled.reason;
      throw classifyS3Error(err, `s3://${input.bucket}/${input.prefix}`, name);
    }
  };
}

/**
 * The S3 side of the customer lifecycle: close and reopen access, count, archive to Glacier, purge, and verify.
 * Every activity is idempotent; the paged ones do one page per call so the workflow checkpoints between pages.
 */
export function createS3Activities(deps: S3Deps, options: S3ActivityOptions) {
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError(`pageSize must be 1-1000, got ${pageSize}`);
  if (!options.opsRoleArn.startsWith('arn:')) throw new RangeError(`opsRoleArn must be an ARN, got ${JSON.stringify(options.opsRoleArn)}`);
  const limits = archiveLimits(options, pageSize);
  const purgePageSize = options.purgePageSize ?? 1000;
  if (!Number.isInteger(purgePageSize) || purgePageSize < 1 || purgePageSize > 1000) throw new RangeError(`purgePageSize must be 1-1000, got ${purgePageSize}`);
  return {
    closeS3Access: classifiedActivity('closeS3Access', (input: S3AccessInput): Promise<S3AccessResult> => closeS3Access(deps, options.opsRoleArn, input)),
    restoreS3Access: classifiedActivity('restoreS3Access', (input: S3Target): Promise<S3AccessResult> => restoreS3Access(deps, input)),
    planS3Page: classifiedActivity('planS3Page', (input: PlanS3PageInput): Promise<PlanS3PageResult> => planS3Page(deps, pageSize, input)),
    archiveS3Page: classifiedActivity('archiveS3Page', (input: ArchiveS3PageInput): Promise<ArchiveS3PageResult> => archiveS3Page(deps, limits, input)),
    verifyS3Archived: classifiedActivity('verifyS3Archived', (input: VerifyS3Input): Promise<VerifyS3ArchivedResult> => verifyS3Archived(deps, pageSize, input)),
    purgeS3Page: classifiedActivity('purgeS3Page', (input: S3Target): Promise<PurgeS3PageResult> => purgeS3Page(deps, purgePageSize, input)),
    verifyS3Purged: classifiedActivity('verifyS3Purged', (input: VerifyS3Input): Promise<VerifyS3PurgedResult> => verifyS3Purged(deps, pageSize, input)),
  };
}

export type S3Activities = ReturnType<typeof createS3Activities>;
