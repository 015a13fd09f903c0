import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { DescribeClustersCommand } from '@aws-sdk/client-redshift';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { runCheck, type HealthCheck } from '../common/health.js';
import type { ActivityClients } from './clients.js';
import { callerIdentity, isOpsRole } from './aws/identity.js';
import { schemaStatus } from './database/migrate.js';

/** Health probes run on the worker, so `ops doctor` proves the path CLI → Temporal → worker → AWS/DB. */
export function createHealthActivities({ s3, redshift, rds, db, sts }: ActivityClients, options: { opsRoleArn?: string }) {
  return {
    async checkAws(): Promise<HealthCheck[]> {
      return Promise.all([
        // The worker must run as the role a closed bucket still admits, or closing one locks the worker out.
        probe('aws identity', async () => {
          const { arn } = await callerIdentity(sts);
          if (!options.opsRoleArn) throw new Error(`running as ${arn}; aws.opsRoleArn is not set (OPS_AWS_OPS_ROLE_ARN)`);
          if (!isOpsRole(arn, options.opsRoleArn)) throw new Error(`running as ${arn}, not as the ops role ${options.opsRoleArn}`);
          return `running as ${arn} (the ops role)`;
        }),
        probe('aws s3', async () => {
          const out = await s3.send(new ListBucketsCommand({ MaxBuckets: 1000 }));
          return `ListBuckets answered (${out.Buckets?.length ?? 0} buckets)`;
        }),
        probe('aws redshift', async () => {
          const out = await redshift.send(new DescribeClustersCommand({ MaxRecords: 100 }));
          return `DescribeClusters answered (${out.Clusters?.length ?? 0} clusters)`;
        }),
        probe('aws rds', async () => {
          const out = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 100 }));
          return `DescribeDBInstances answered (${out.DBInstances?.length ?? 0} instances)`;
        }),
      ]);
    },

    async checkDatabase(): Promise<HealthCheck[]> {
      const reach = await probe('database', async () => {
        const out = await db.query<{ version: string }>('SELECT version() AS version');
        return (out.rows[0]?.version ?? '').split(' on ')[0] ?? 'answered';
      });
      if (reach.status !== 'ok') return [reach, { name: 'database schema', status: 'skipped', detail: 'database unreachable' }];
      const schema = await probe('database schema', async () => {
        const status = await schemaStatus(db);
        if (status.pending.length) {
          throw new Error(
            `schema version ${status.current}, code expects ${status.latest}: pending migrations ${status.pending.join(', ')}`,
          );
        }
        return `version ${status.current} (current)`;
      });
      return [reach, schema];
    },
  };
}

function probe(name: string, run: () => Promise<string>): Promise<HealthCheck> {
  return runCheck(name, run, describeError);
}

function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return describeError(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message || err.name;
  }
  return String(err);
}
