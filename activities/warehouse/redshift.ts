import {
  CreateTagsCommand,
  DeleteClusterCommand,
  DeleteClusterSnapshotCommand,
  DescribeClustersCommand,
  DescribeClusterSnapshotsCommand,
  ModifyClusterSnapshotCommand,
  paginateDescribeClusterSnapshots,
  type RedshiftClient,
  type Snapshot,
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
  return {
    noun: 'Redshift cluster',

    async find(identifier) {
      try {
        const out = await client.send(new DescribeClustersCommand({ ClusterIdentifier: identifier }));
        const cluster = out.Clusters?.find((c) => sameIdentifier(c.ClusterIdentifier, identifier));
        if (!cluster) return undefined;
        const status = cluster.ClusterStatus ?? 'unknown';
        return { status, deleting: DELETING.has(status), deletionProtection: false };
      } catch (err) {
        if (awsErrorName(err) === 'ClusterNotFoundFault') return undefined;
        throw err;
      }
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
  };

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
  };
}
