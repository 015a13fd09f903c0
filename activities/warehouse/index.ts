import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { RedshiftClient } from '@aws-sdk/client-redshift';
import type { STSClient } from '@aws-sdk/client-sts';
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { OWNERSHIP_VIOLATION } from '../inventory/ownership.js';
import { closeWarehouseAccess, restoreWarehouseAccess } from './access.js';
import { snapshotAndRemove, verifyWarehouseArchived } from './archive.js';
import type { WarehouseContext } from './context.js';
import { classifyingAwsErrors } from './errors.js';
import { locator } from './location.js';
import { closedGroups } from './network.js';
import { planWarehouse, purgeWarehouse, verifyWarehousePurged } from './purge.js';
import { rdsService } from './rds.js';
import { redshiftService } from './redshift.js';
import type {
  ArchiveResult,
  ArchiveVerification,
  CloseAccessResult,
  PurgeResult,
  PurgeVerification,
  RestoreAccessResult,
  WarehousePlan,
  WarehouseTarget,
} from './types.js';

export type * from './types.js';
export { finalSnapshotId } from './names.js';
export { CLOSED_GROUP_NAME } from './network.js';
export { DELETION_PROTECTED, FINAL_SNAPSHOT_CONFLICT, FINAL_SNAPSHOT_MISSING } from './refusals.js';
export {
  CLOSED_SECURITY_GROUP_CONFLICT,
  WAREHOUSE_ACCESS_DENIED,
  WAREHOUSE_AWS_UNAVAILABLE,
  WAREHOUSE_LOCATION_MISMATCH,
  WAREHOUSE_NOT_FOUND,
  WAREHOUSE_REQUEST_REJECTED,
} from './errors.js';

export interface WarehouseDeps {
  redshift: RedshiftClient;
  rds: RDSClient;
  ec2: EC2Client;
  sts: STSClient;
  db: pg.Pool;
}

/**
 * Archive, purge and access closing of dedicated Redshift clusters and RDS instances; every activity is safe
 * to retry, and every AWS error leaving one is classified by its code (see errors.ts).
 */
export function createWarehouseActivities({ redshift, rds, ec2, sts, db }: WarehouseDeps) {
  const network = closedGroups(ec2);
  const contexts: Record<WarehouseTarget['kind'], WarehouseContext> = {
    redshift: { db, network, service: redshiftService(redshift), here: locator(sts, () => redshift.config.region()) },
    rds: { db, network, service: rdsService(rds), here: locator(sts, () => rds.config.region()) },
  };
  // Inputs arrive as JSON from a workflow: the kind is checked, not trusted.
  const contextFor = (target: WarehouseTarget): WarehouseContext => {
    if (target.kind !== 'redshift' && target.kind !== 'rds') {
      throw ApplicationFailure.nonRetryable(`unknown warehouse kind ${JSON.stringify(target.kind)}`, OWNERSHIP_VIOLATION);
    }
    return contexts[target.kind];
  };

  return {
    snapshotAndRemove: classifyingAwsErrors(
      async (input: WarehouseTarget): Promise<ArchiveResult> => snapshotAndRemove(contextFor(input), input),
    ),
    planWarehouse: classifyingAwsErrors(async (input: WarehouseTarget): Promise<WarehousePlan> => planWarehouse(contextFor(input), input)),
    purgeWarehouse: classifyingAwsErrors(async (input: WarehouseTarget): Promise<PurgeResult> => purgeWarehouse(contextFor(input), input)),
    verifyWarehousePurged: classifyingAwsErrors(
      async (input: WarehouseTarget): Promise<PurgeVerification> => verifyWarehousePurged(contextFor(input), input),
    ),
    verifyWarehouseArchived: classifyingAwsErrors(
      async (input: WarehouseTarget): Promise<ArchiveVerification> => verifyWarehouseArchived(contextFor(input).service, input),
    ),
    /** During revoke: no public access, no security-group ingress, no snapshot shares; what it changed is recorded. */
    closeWarehouseAccess: classifyingAwsErrors(
      async (input: WarehouseTarget): Promise<CloseAccessResult> => closeWarehouseAccess(contextFor(input), input),
    ),
    /** On reinstate: puts back exactly what closeWarehouseAccess recorded. */
    restoreWarehouseAccess: classifyingAwsErrors(
      async (input: WarehouseTarget): Promise<RestoreAccessResult> => restoreWarehouseAccess(contextFor(input), input),
    ),
  };
}

export type WarehouseActivities = ReturnType<typeof createWarehouseActivities>;
