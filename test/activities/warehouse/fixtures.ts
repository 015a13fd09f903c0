import { randomUUID } from 'node:crypto';
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import {
  CreateClusterCommand,
  CreateClusterSnapshotCommand,
  DescribeClustersCommand,
  DescribeClusterSnapshotsCommand,
} from '@aws-sdk/client-redshift';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { expect } from 'vitest';
import { createWarehouseActivities, type WarehouseActivities } from '../../../activities/warehouse/index.js';
import { tagMap } from '../../../activities/warehouse/service.js';
import type { CustomerInput } from '../../../common/customer.js';
import { inventoryDatabase } from '../../helpers/inventory.js';
import { clientsFor, testConfig } from '../../helpers/stack.js';

/** moto is shared by the whole run: every cluster, instance and snapshot name carries this file's own suffix. */
export function awsName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export type Harness = Awaited<ReturnType<typeof warehouseHarness>>;

/** A fresh inventory with these customers, clients on the run's moto, and the activities run as activities. */
export async function warehouseHarness(customers: CustomerInput[]) {
  const inventory = await inventoryDatabase(customers);
  const clients = clientsFor(testConfig({ database: { url: inventory.url } }));
  const activities = createWarehouseActivities(clients);
  const heartbeats: unknown[] = [];
  const quiet = () => undefined;
  const logger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };

  /** Runs one activity in a mocked activity context, so heartbeats and cancellation work as on a worker. */
  function run<K extends keyof WarehouseActivities>(name: K, ...args: Parameters<WarehouseActivities[K]>): ReturnType<WarehouseActivities[K]> {
    const env = new MockActivityEnvironment(undefined, { logger });
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const fn = activities[name] as (...a: Parameters<WarehouseActivities[K]>) => ReturnType<WarehouseActivities[K]>;
    return env.run(fn, ...args) as ReturnType<WarehouseActivities[K]>;
  }

  return {
    clients,
    run,
    heartbeats,
    async close() {
      await clients.close();
      await inventory.close();
    },

    async createCluster(clusterId: string) {
      await clients.redshift.send(
        new CreateClusterCommand({
          ClusterIdentifier: clusterId,
          NodeType: 'dc2.large',
          ClusterType: 'single-node',
          MasterUsername: 'admin',
          MasterUserPassword: 'Passw0rd-123',
        }),
      );
    },
    async createClusterSnapshot(clusterId: string, snapshotId: string) {
      await clients.redshift.send(new CreateClusterSnapshotCommand({ ClusterIdentifier: clusterId, SnapshotIdentifier: snapshotId }));
    },
    async clusterExists(clusterId: string): Promise<boolean> {
      const out = await clients.redshift.send(new DescribeClustersCommand({})); // all of them: no NotFound to catch
      return (out.Clusters ?? []).some((c) => c.ClusterIdentifier === clusterId);
    },
    /** Every Redshift snapshot id of this cluster, straight from moto (filtered here: moto's filter is loose). */
    async clusterSnapshots(clusterId: string): Promise<string[]> {
      const out = await clients.redshift.send(new DescribeClusterSnapshotsCommand({}));
      return (out.Snapshots ?? [])
        .filter((s) => s.ClusterIdentifier === clusterId)
        .map((s) => s.SnapshotIdentifier ?? '')
        .sort();
    },
    async clusterSnapshotTags(snapshotId: string): Promise<Record<string, string>> {
      const out = await clients.redshift.send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: snapshotId }));
      return tagMap(out.Snapshots?.[0]?.Tags);
    },

    async createInstance(instanceId: string, options: { deletionProtection?: boolean } = {}) {
      await clients.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: instanceId,
          Engine: 'postgres',
          DBInstanceClass: 'db.t3.micro',
          AllocatedStorage: 20,
          MasterUsername: 'admin',
          MasterUserPassword: 'Passw0rd-123',
          DeletionProtection: options.deletionProtection ?? false,
        }),
      );
    },
    async createInstanceSnapshot(instanceId: string, snapshotId: string) {
      await clients.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: instanceId, DBSnapshotIdentifier: snapshotId }));
    },
    async instanceExists(instanceId: string): Promise<boolean> {
      const out = await clients.rds.send(new DescribeDBInstancesCommand({}));
      return (out.DBInstances ?? []).some((i) => i.DBInstanceIdentifier === instanceId);
    },
    /** Every RDS snapshot id (manual and automated) of this instance. */
    async instanceSnapshots(instanceId: string): Promise<string[]> {
      const out = await clients.rds.send(new DescribeDBSnapshotsCommand({}));
      return (out.DBSnapshots ?? [])
        .filter((s) => s.DBInstanceIdentifier === instanceId)
        .map((s) => s.DBSnapshotIdentifier ?? '')
        .sort();
    },
    async instanceSnapshotTags(snapshotId: string): Promise<Record<string, string>> {
      const out = await clients.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
      return tagMap(out.DBSnapshots?.[0]?.TagList);
    },
  };
}

/** The activity failed for good: a non-retryable ApplicationFailure of this type. */
export async function expectNonRetryable(promise: Promise<unknown>, type: string, message?: RegExp): Promise<void> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the activity to fail').toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect({ type: failure.type, nonRetryable: failure.nonRetryable }).toEqual({ type, nonRetryable: true });
  if (message) expect(failure.message).toMatch(message);
}
