import type { S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';
import { closeS3Access, restoreS3Access } from './access.js';
import { archiveS3Page } from './archive.js';
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
  VerifyS3PurgedResult,
} from './types.js';
import { verifyS3Archived } from './verify-archived.js';
import { verifyS3Purged } from './verify-purged.js';

export type * from './types.js';

export interface S3ActivityOptions {
  /** The role the workers run as: the only principal the closing Deny lets through. */
  opsRoleArn: string;
  /** Entries per ListObjectVersions page, 1-1000 (S3's maximum); default 1000. */
  pageSize?: number;
}

/**
 * The S3 side of the customer lifecycle: close and reopen access, count, archive to Glacier, purge, and verify.
 * Every activity is idempotent; the paged ones do one page per call so the workflow checkpoints between pages.
 */
export function createS3Activities(deps: { s3: S3Client; db: pg.Pool }, options: S3ActivityOptions) {
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError(`pageSize must be 1-1000, got ${pageSize}`);
  if (!options.opsRoleArn.startsWith('arn:')) throw new RangeError(`opsRoleArn must be an ARN, got ${JSON.stringify(options.opsRoleArn)}`);
  return {
    closeS3Access: (input: S3AccessInput): Promise<S3AccessResult> => closeS3Access(deps, options.opsRoleArn, input),
    restoreS3Access: (input: S3Target): Promise<S3AccessResult> => restoreS3Access(deps, input),
    planS3Page: (input: PlanS3PageInput): Promise<PlanS3PageResult> => planS3Page(deps, pageSize, input),
    archiveS3Page: (input: ArchiveS3PageInput): Promise<ArchiveS3PageResult> => archiveS3Page(deps, pageSize, input),
    verifyS3Archived: (input: S3Target): Promise<VerifyS3ArchivedResult> => verifyS3Archived(deps, pageSize, input),
    purgeS3Page: (input: S3Target): Promise<PurgeS3PageResult> => purgeS3Page(deps, pageSize, input),
    verifyS3Purged: (input: S3Target): Promise<VerifyS3PurgedResult> => verifyS3Purged(deps, pageSize, input),
  };
}

export type S3Activities = ReturnType<typeof createS3Activities>;
