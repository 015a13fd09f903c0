import type { RDSClient } from '@aws-sdk/client-rds';
import type { RedshiftClient } from '@aws-sdk/client-redshift';
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { OWNERSHIP_VIOLATION } from '../inventory/ownership.js';
import { snapshotAndRemove, verifyWarehouseArchived } from './archive.js';
import { planWarehouse, purgeWarehouse, verifyWarehousePurged } from './purge.js';
import { rdsService } from './rds.js';
import { redshiftService } from './redshift.js';
import type { WarehouseService } from './service.js';
import type {
  ArchiveResult,
  ArchiveVerification,
  PurgeResult,
  PurgeVerification,
  WarehousePlan,
  WarehouseTarget,
} from './types.js';

export type * from './types.js';
export { finalSnapshotId } from './names.js';
export { DELETION_PROTECTED, FINAL_SNAPSHOT_CONFLICT, FINAL_SNAPSHOT_MISSING } from './refusals.js';

export interface WarehouseDeps {
  redshift: RedshiftClient;
  rds: RDSClient;
  db: pg.Pool;
}

/** Archive and purge of dedicated Redshift clusters and RDS instances; every activity is safe to retry. */
export function createWarehouseActivities({ redshift, rds, db }: WarehouseDeps) {
  const services: Record<WarehouseTarget['kind'], WarehouseService> = { redshift: redshiftService(redshift), rds: rdsService(rds) };
  // Inputs arrive as JSON from a workflow: the kind is checked, not trusted.
  const serviceFor = (target: WarehouseTarget): WarehouseService => {
    if (target.kind !== 'redshift' && target.kind !== 'rds') {
      throw ApplicationFailure.nonRetryable(`unknown warehouse kind ${JSON.stringify(target.kind)}`, OWNERSHIP_VIOLATION);
    }
    return services[target.kind];
  };

  return {
    async snapshotAndRemove(input: WarehouseTarget): Promise<ArchiveResult> {
      return snapshotAndRemove(db, serviceFor(input), input);
    },
    async planWarehouse(input: WarehouseTarget): Promise<WarehousePlan> {
      return planWarehouse(db, serviceFor(input), input);
    },
    async purgeWarehouse(input: WarehouseTarget): Promise<PurgeResult> {
      return purgeWarehouse(db, serviceFor(input), input);
    },
    async verifyWarehousePurged(input: WarehouseTarget): Promise<PurgeVerification> {
      return verifyWarehousePurged(serviceFor(input), input);
    },
    async verifyWarehouseArchived(input: WarehouseTarget): Promise<ArchiveVerification> {
      return verifyWarehouseArchived(serviceFor(input), input);
    },
  };
}

export type WarehouseActivities = ReturnType<typeof createWarehouseActivities>;
