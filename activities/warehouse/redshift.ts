import {
  AuthorizeSnapshotAccessCommand,
  type Cluster,
  CreateTagsCommand,
  DeleteClusterCommand,
  DeleteClusterSnapshotCommand,
  DescribeClustersCommand,
  DescribeClusterSnapshotsCommand,
  ModifyClusterCommand,
  ModifyClusterSnapshotCommand,
  paginateDescribeClusterSnapshots,
  type RedshiftClient,
  RevokeSnapshotAccessCommand,
  type Snapshot,
  waitUntilClusterAvailable,
  waitUntilClusterDeleted,
  waitUntilSnapshotAvailable,
} from '@aws-sdk/client-redshift';
import { ApplicationFailure } from '@temporalio/activity';
import { WAIT_SECONDS } from './waits.js';
import {
  awsErrorName,
  asTagList,
  type RemoveOutcome,
  sameIdentifier,
  tagMap,
  type WarehouseService,
  type WarehouseSnapshot,
} from './service.js';

/** 'final-snapshot' precedes 'deleting' while DeleteCluster takes the final snapshot. */
const DELETING = new Set(['deleting', 'final-snapshot']);

export function redshiftService(client: RedshiftClient): WarehouseService {
  async function describe(identifier: string): Promise<Cluster | undefined> {
    try {
      const out = await client.send(new DescribeClustersCommand({ ClusterIdentifier: identifier }));
      return out.Clusters?.find((c) => sameIdentifier(c.ClusterIdentifier, identifier));
    } catch (err) {
      if (awsErrorName(err) === 'ClusterNotFoundFault') return undefined;
      throw err;
    }
  }

  const service: WarehouseService = {
    noun: 'Redshift cluster',

    async find(identifier) {
      const cluster = await describe(identifier);
      if (!cluster) return undefined;
      const status = cluster.ClusterStatus ?? 'unknown';
      return { status, deleting: DELETING.has(status), deletionProtection: false };
    },

    async removeWithFinalSnapshot(identifier, snapshotId) {
      // SkipFinalClusterSnapshot is AWS's default, but moto only takes the snapshot when it is sent explicitly.
      return remove(
        new DeleteClusterCommand({
          ClusterIdentifier: identifier,
          SkipFinalClusterSnapshot: false,
          FinalClusterSnapshotIdentifier: snapshotId,
          FinalClusterSnapshotRetentionPeriod: -1,
        }),
      );
    },

    async removeWithoutSnapshot(identifier) {
      return remove(new DeleteClusterCommand({ ClusterIdentifier: identifier, SkipFinalClusterSnapshot: true }));
    },

    async waitUntilRemoved(identifier, signal) {
      await waitUntilClusterDeleted({ client, maxWaitTime: WAIT_SECONDS, abortSignal: signal }, { ClusterIdentifier: identifier });
    },

    async listSnapshots(identifier) {
      const found: WarehouseSnapshot[] = [];
      // moto ignores paging and, for a cluster with no snapshots, the filter itself: keep only this cluster's.
      for await (const page of paginateDescribeClusterSnapshots({ client, pageSize: 100 }, { ClusterIdentifier: identifier })) {
        for (const s of page.Snapshots ?? []) {
          if (sameIdentifier(s.ClusterIdentifier, identifier) && s.SnapshotIdentifier) found.push(toSnapshot(s));
        }
      }
      return found;
    },

    async findSnapshot(snapshotId) {
      try {
        const out = await client.send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: snapshotId }));
        const s = out.Snapshots?.find((x) => sameIdentifier(x.SnapshotIdentifier, snapshotId));
        return s ? toSnapshot(s) : undefined;
      } catch (err) {
        if (awsErrorName(err) === 'ClusterSnapshotNotFoundFault') return undefined;
        throw err;
      }
    },

    async waitUntilSnapshotAvailable(snapshotId, signal) {
      await waitUntilSnapshotAvailable({ client, maxWaitTime: WAIT_SECONDS, abortSignal: signal }, { SnapshotIdentifier: snapshotId });
    },

    async keepForever(snapshot, tags) {
      if (!snapshot.arn) {
        throw ApplicationFailure.nonRetryable(`Redshift reported no ARN for snapshot ${snapshot.id}: cannot tag it`, 'UnexpectedAwsResponse');
      }
      await client.send(new CreateTagsCommand({ ResourceName: snapshot.arn, Tags: asTagList(tags) }));
      // DeleteCluster already asked for -1; this repairs a snapshot made otherwise. Only when AWS reports
      // another value: moto neither reports the period nor implements ModifyClusterSnapshot.
      if (snapshot.retentionDays !== undefined && snapshot.retentionDays !== -1) {
        await client.send(new ModifyClusterSnapshotCommand({ SnapshotIdentifier: snapshot.id, ManualSnapshotRetentionPeriod: -1 }));
      }
    },

    async deleteSnapshot(snapshot) {
      try {
        await client.send(
          new DeleteClusterSnapshotCommand({ SnapshotIdentifier: snapshot.id, SnapshotClusterIdentifier: snapshot.sourceId }),
        );
        return true;
      } catch (err) {
        if (awsErrorName(err) === 'ClusterSnapshotNotFoundFault') return false;
        throw err;
      }
    },

    // Redshift removes automated snapshots with the cluster; nothing is kept apart.
    retainedBackups() {
      return Promise.resolve([]);
    },

    region: () => client.config.region(),
    // One listing without SnapshotType returns manual and automated snapshots alike.
    listings: { listed: ['cluster', 'manual-snapshots', 'automated-snapshots'], apis: ['redshift:DescribeClusters', 'redshift:DescribeClusterSnapshots'] },

    async describeAccess(identifier) {
      const cluster = await describe(identifier);
      if (!cluster) return undefined;
      return {
        status: cluster.ClusterStatus ?? 'unknown',
        publiclyAccessible: cluster.PubliclyAccessible === true,
        securityGroupIds: (cluster.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
      };
    },

    async modifyAccess(identifier, change) {
      await client.send(
        new ModifyClusterCommand({
          ClusterIdentifier: identifier,
          ...(change.publiclyAccessible !== undefined ? { PubliclyAccessible: change.publiclyAccessible } : {}),
          ...(change.securityGroupIds ? { VpcSecurityGroupIds: change.securityGroupIds } : {}),
        }),
      );
    },

    async waitUntilAvailable(identifier, signal) {
      await waitUntilClusterAvailable({ client, maxWaitTime: WAIT_SECONDS, abortSignal: signal }, { ClusterIdentifier: identifier });
    },

    async snapshotShares(identifier) {
      const shares: Record<string, string[]> = {};
      for (const s of await service.listSnapshots(identifier)) {
        if (s.type === 'manual' && s.sharedWith?.length) shares[s.id] = s.sharedWith;
      }
      return shares;
    },

    // moto has neither RevokeSnapshotAccess nor AuthorizeSnapshotAccess; it never reports a share either.
    async unshareSnapshot(identifier, snapshotId, accounts) {
      for (const account of accounts) {
        try {
          await client.send(
            new RevokeSnapshotAccessCommand({ SnapshotIdentifier: snapshotId, SnapshotClusterIdentifier: identifier, AccountWithRestoreAccess: account }),
          );
        } catch (err) {
          if (!['AuthorizationNotFoundFault', 'ClusterSnapshotNotFoundFault'].includes(awsErrorName(err) ?? '')) throw err;
        }
      }
    },

    async shareSnapshot(identifier, snapshotId, accounts) {
      const snapshot = await service.findSnapshot(snapshotId);
      if (!snapshot) return undefined;
      const missing = accounts.filter((a) => !snapshot.sharedWith?.includes(a));
      for (const account of missing) {
        try {
          await client.send(
            new AuthorizeSnapshotAccessCommand({ SnapshotIdentifier: snapshotId, SnapshotClusterIdentifier: identifier, AccountWithRestoreAccess: account }),
          );
        } catch (err) {
          if (awsErrorName(err) !== 'AuthorizationAlreadyExistsFault') throw err;
        }
      }
      return missing;
    },

    notClosable: [
      'database users and their passwords: changing them needs SQL on the cluster (the master password could be reset, but not put back)',
      'connections already open: closing the network refuses new ones only',
      'access through IAM (GetClusterCredentials, the Redshift Data API, the query editor), Redshift-managed VPC endpoints and datashares',
      'cluster security groups (EC2-Classic, retired by AWS; a cluster in a VPC ignores them)',
    ],
  };
  return service;

  async function remove(command: DeleteClusterCommand): Promise<RemoveOutcome> {
    try {
      await client.send(command);
      return 'deleting';
    } catch (err) {
      const name = awsErrorName(err);
      if (name === 'ClusterNotFoundFault') return 'gone';
      if (name === 'ClusterSnapshotAlreadyExistsFault') return 'snapshot-exists';
      throw err;
    }
  }
}

function toSnapshot(s: Snapshot): WarehouseSnapshot {
  return {
    id: s.SnapshotIdentifier ?? '',
    sourceId: s.ClusterIdentifier ?? '',
    type: s.SnapshotType ?? 'unknown',
    status: s.Status ?? 'unknown',
    ...(s.SnapshotArn ? { arn: s.SnapshotArn } : {}),
    ...(s.TotalBackupSizeInMegaBytes !== undefined ? { sizeMb: s.TotalBackupSizeInMegaBytes } : {}),
    ...(s.SnapshotCreateTime ? { createdAt: s.SnapshotCreateTime.toISOString() } : {}),
    tags: tagMap(s.Tags),
    ...(s.ManualSnapshotRetentionPeriod !== undefined ? { retentionDays: s.ManualSnapshotRetentionPeriod } : {}),
    sharedWith: (s.AccountsWithRestoreAccess ?? []).flatMap((a) => (a.AccountId ? [a.AccountId] : [])),
  };
}
