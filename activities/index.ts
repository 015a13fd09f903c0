import type { LifecyclePolicy } from '../common/lifecycle-policy.js';
import { createRecordActivities } from './audit/index.js';
import { createCheckpointActivities } from './checkpoints/index.js';
import type { ActivityClients } from './clients.js';
import { createHealthActivities } from './health.js';
import { createInventoryActivities } from './inventory/index.js';
import { createLifecyclePolicyActivities } from './lifecycle-policy.js';
import { createOperatorActivities } from './operators/index.js';
import { createProblemActivities } from './problems/index.js';
import { createS3Activities } from './s3/index.js';
import { createWarehouseActivities } from './warehouse/index.js';

export type { ActivityClients } from './clients.js';

export interface ActivityOptions {
  /** The role a closed bucket policy still lets in. */
  opsRoleArn: string;
  /** S3 keys per page (at most 1000, S3's own limit). */
  s3PageSize?: number;
  /** S3 entries per purge page (default 1000). */
  s3PurgePageSize?: number;
  /** The worker's allow-list of operators (public keys), read on every verification. */
  operatorsFile: string;
  /** The worker's bounds on lifecycles (from its config). */
  lifecyclePolicy: LifecyclePolicy;
}

/** All activities, built once per worker from its clients. */
export function createActivities(clients: ActivityClients, options: ActivityOptions) {
  return {
    ...createHealthActivities(clients, { opsRoleArn: options.opsRoleArn }),
    ...createInventoryActivities(clients),
    ...createRecordActivities(clients),
    ...createCheckpointActivities(clients),
    ...createProblemActivities(clients),
    ...createOperatorActivities({ operatorsFile: options.operatorsFile }),
    ...createLifecyclePolicyActivities(options.lifecyclePolicy),
    ...createS3Activities(clients, {
      opsRoleArn: options.opsRoleArn,
      ...(options.s3PageSize ? { pageSize: options.s3PageSize } : {}),
      ...(options.s3PurgePageSize ? { purgePageSize: options.s3PurgePageSize } : {}),
    }),
    ...createWarehouseActivities(clients),
  };
}

export type Activities = ReturnType<typeof createActivities>;
