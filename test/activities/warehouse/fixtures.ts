import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBSnapshotAttributeCommand,
} from '@aws-sdk/client-rds';
import {
  CreateClusterCommand,
  CreateClusterSnapshotCommand,
  DescribeClustersCommand,
  DescribeClusterSnapshotsCommand,
} from '@aws-sdk/client-redshift';
import { MockActivityEnvironment } from '@temporalio/testing';
import { expect } from 'vitest';
import { createWarehouseActivities, type WarehouseActivities } from '../../../activities/warehouse/index.js';
import { tagMap } from '../../../activities/warehouse/service.js';
import type { CustomerInput } from '../../../common/customer.js';
import { inventoryDatabase } from '../../helpers/inventory.js';
import { clientsFor, testConfig } from '../../helpers/stack.js';

/** moto is shared by the whole run: every cluster, instance and snapshot name carries a random suffix (the customer-id rule fits AWS identifiers too). */
export { uniqueCustomerId as awsName } from '../../helpers/lifecycle.js';

export type Harness = Awaited<ReturnType<typeof warehouseHarness>>;

interface NetworkOptions {
  publiclyAccessible?: boolean;
  securityGroupIds?: string[];
}

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
    return runWith(activities, name, ...args);
  }
  /** The same, for activities built on other clients (e.g. one pointing at a fake AWS endpoint). */
  function runWith<K extends keyof WarehouseActivities>(
    set: WarehouseActivities,
    name: K,
    ...args: Parameters<WarehouseActivities[K]>
  ): ReturnType<WarehouseActivities[K]> {
    const env = new MockActivityEnvironment(undefined, { logger });
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const fn = set[name] as unknown as (...a: Parameters<WarehouseActivities[K]>) => ReturnType<WarehouseActivities[K]>;
    return env.run(fn, ...args) as ReturnType<WarehouseActivities[K]>;
  }

  return {
    clients,
    run,
    runWith,
    heartbeats,
    /** The inventory database, to look at what the activities recorded. */
    db: inventory.pool,
    async close() {
      await clients.close();
      await inventory.close();
    },

    async createCluster(clusterId: string, options: NetworkOptions = {}) {
      await clients.redshift.send(
        new CreateClusterCommand({
          ClusterIdentifier: clusterId,
          NodeType: 'dc2.large',
          ClusterType: 'single-node',
          MasterUsername: 'admin',
          MasterUserPassword: 'Passw0rd-123',
          ...(options.publiclyAccessible !== undefined ? { PubliclyAccessible: options.publiclyAccessible } : {}),
          ...(options.securityGroupIds ? { VpcSecurityGroupIds: options.securityGroupIds } : {}),
        }),
      );
    },
    /** Security groups sorted: the services do not promise an order. */
    async clusterAccess(clusterId: string): Promise<{ publiclyAccessible: boolean; securityGroupIds: string[] }> {
      const out = await clients.redshift.send(new DescribeClustersCommand({ ClusterIdentifier: clusterId }));
      const c = out.Clusters?.[0];
      return { publiclyAccessible: c?.PubliclyAccessible === true, securityGroupIds: (c?.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').sort() };
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

    async createInstance(instanceId: string, options: { deletionProtection?: boolean } & NetworkOptions = {}) {
      await clients.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: instanceId,
          Engine: 'postgres',
          DBInstanceClass: 'db.t3.micro',
          AllocatedStorage: 20,
          MasterUsername: 'admin',
          MasterUserPassword: 'Passw0rd-123',
          DeletionProtection: options.deletionProtection ?? false,
          ...(options.publiclyAccessible !== undefined ? { PubliclyAccessible: options.publiclyAccessible } : {}),
          ...(options.securityGroupIds ? { VpcSecurityGroupIds: options.securityGroupIds } : {}),
        }),
      );
    },
    async instanceAccess(instanceId: string): Promise<{ publiclyAccessible: boolean; securityGroupIds: string[] }> {
      const out = await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
      const i = out.DBInstances?.[0];
      return { publiclyAccessible: i?.PubliclyAccessible === true, securityGroupIds: (i?.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').sort() };
    },
    async shareInstanceSnapshot(snapshotId: string, accounts: string[]) {
      await clients.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: snapshotId, AttributeName: 'restore', ValuesToAdd: accounts }));
    },
    async instanceSnapshotShares(snapshotId: string): Promise<string[]> {
      const out = await clients.rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: snapshotId }));
      return [...(out.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [])].sort();
    },

    /** A security group in the default VPC admitting the world on this port. */
    async createOpenSecurityGroup(name: string, port: number): Promise<string> {
      const vpcs = await clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
      const out = await clients.ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpcs.Vpcs?.[0]?.VpcId }));
      const groupId = out.GroupId!;
      await clients.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      );
      return groupId;
    },
    /** A group's inbound rules, as EC2 reports them. */
    async ingressOf(groupId: string): Promise<unknown[]> {
      const out = await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
      return out.SecurityGroups?.[0]?.IpPermissions ?? [];
    },
    async groupName(groupId: string): Promise<string | undefined> {
      const out = await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
      return out.SecurityGroups?.[0]?.GroupName;
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

/** What a plan or verification says it checked on the run's moto (us-east-1, moto's default account). */
export function checkedIn(kind: 'redshift' | 'rds') {
  const notListed = [{ what: 'backup-recovery-points', why: expect.stringMatching(/AWS Backup is not asked/) as unknown }];
  return kind === 'redshift'
    ? {
        region: 'us-east-1',
        account: '123456789012',
        listed: ['cluster', 'manual-snapshots', 'automated-snapshots'],
        apis: ['redshift:DescribeClusters', 'redshift:DescribeClusterSnapshots'],
        notListed,
      }
    : {
        region: 'us-east-1',
        account: '123456789012',
        listed: ['instance', 'manual-snapshots', 'automated-snapshots', 'retained-automated-backups'],
        apis: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 'rds:DescribeDBInstanceAutomatedBackups'],
        notListed,
      };
}

export { expectFailure, expectNonRetryable } from '../../helpers/failures.js';
