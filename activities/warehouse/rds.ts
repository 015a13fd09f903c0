import {
  AddTagsToResourceCommand,
  type DBSnapshot,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  paginateDescribeDBInstanceAutomatedBackups,
  paginateDescribeDBSnapshots,
  type RDSClient,
  waitUntilDBInstanceDeleted,
  waitUntilDBSnapshotAvailable,
} from '@aws-sdk/client-rds';
import { ApplicationFailure } from '@temporalio/activity';
import { WAIT_SECONDS } from './waits.js';
import { awsErrorName, asTagList, type RemoveOutcome, sameIdentifier, tagMap, type WarehouseService, type WarehouseSnapshot } from './service.js';

export function rdsService(client: RDSClient): WarehouseService {
  return {
    noun: 'RDS instance',

    async find(identifier) {
      try {
        const out = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
        const instance = out.DBInstances?.find((i) => sameIdentifier(i.DBInstanceIdentifier, identifier));
        if (!instance) return undefined;
        const status = instance.DBInstanceStatus ?? 'unknown';
        return { status, deleting: status === 'deleting', deletionProtection: instance.DeletionProtection === true };
      } catch (err) {
        if (awsErrorName(err) === 'DBInstanceNotFoundFault') return undefined;
        throw err;
      }
    },

    // Automated backups go with the instance: only the final snapshot is meant to outlive it.
    async removeWithFinalSnapshot(identifier, snapshotId) {
      return remove(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: identifier,
          SkipFinalSnapshot: false,
          FinalDBSnapshotIdentifier: snapshotId,
          DeleteAutomatedBackups: true,
        }),
      );
    },

    async removeWithoutSnapshot(identifier) {
      return remove(new DeleteDBInstanceCommand({ DBInstanceIdentifier: identifier, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
    },

    async waitUntilRemoved(identifier, signal) {
      await waitUntilDBInstanceDeleted({ client, maxWaitTime: WAIT_SECONDS, abortSignal: signal }, { DBInstanceIdentifier: identifier });
    },

    async listSnapshots(identifier) {
      const found: WarehouseSnapshot[] = [];
      // Without SnapshotType, RDS lists manual and automated snapshots (not shared or public ones).
      for await (const page of paginateDescribeDBSnapshots({ client, pageSize: 100 }, { DBInstanceIdentifier: identifier })) {
        for (const s of page.DBSnapshots ?? []) {
          if (sameIdentifier(s.DBInstanceIdentifier, identifier) && s.DBSnapshotIdentifier) found.push(toSnapshot(s));
        }
      }
      return found;
    },

    async findSnapshot(snapshotId) {
      try {
        const out = await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
        const s = out.DBSnapshots?.find((x) => sameIdentifier(x.DBSnapshotIdentifier, snapshotId));
        return s ? toSnapshot(s) : undefined;
      } catch (err) {
        if (awsErrorName(err) === 'DBSnapshotNotFoundFault') return undefined;
        throw err;
      }
    },

    async waitUntilSnapshotAvailable(snapshotId, signal) {
      await waitUntilDBSnapshotAvailable({ client, maxWaitTime: WAIT_SECONDS, abortSignal: signal }, { DBSnapshotIdentifier: snapshotId });
    },

    // RDS keeps manual snapshots until they are deleted; only the tags need setting.
    async keepForever(snapshot, tags) {
      if (!snapshot.arn) {
        throw ApplicationFailure.nonRetryable(`RDS reported no ARN for snapshot ${snapshot.id}: cannot tag it`, 'UnexpectedAwsResponse');
      }
      await client.send(new AddTagsToResourceCommand({ ResourceName: snapshot.arn, Tags: asTagList(tags) }));
    },

    async deleteSnapshot(snapshot) {
      try {
        await client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshot.id }));
        return true;
      } catch (err) {
        if (awsErrorName(err) === 'DBSnapshotNotFoundFault') return false;
        throw err;
      }
    },

    // Automated backups kept after an instance was deleted without DeleteAutomatedBackups (by someone else).
    async retainedBackups(identifier) {
      const found: string[] = [];
      for await (const page of paginateDescribeDBInstanceAutomatedBackups({ client, pageSize: 100 }, { DBInstanceIdentifier: identifier })) {
        for (const b of page.DBInstanceAutomatedBackups ?? []) {
          if (sameIdentifier(b.DBInstanceIdentifier, identifier)) found.push(b.DBInstanceAutomatedBackupsArn ?? b.DbiResourceId ?? identifier);
        }
      }
      return found;
    },
  };

  async function remove(command: DeleteDBInstanceCommand): Promise<RemoveOutcome> {
    try {
      await client.send(command);
      return 'deleting';
    } catch (err) {
      const name = awsErrorName(err);
      if (name === 'DBInstanceNotFoundFault') return 'gone';
      if (name === 'DBSnapshotAlreadyExistsFault') return 'snapshot-exists';
      throw err;
    }
  }
}

function toSnapshot(s: DBSnapshot): WarehouseSnapshot {
  return {
    id: s.DBSnapshotIdentifier ?? '',
    sourceId: s.DBInstanceIdentifier ?? '',
    type: s.SnapshotType ?? 'unknown',
    status: s.Status ?? 'unknown',
    ...(s.DBSnapshotArn ? { arn: s.DBSnapshotArn } : {}),
    ...(s.SnapshotCreateTime ? { createdAt: s.SnapshotCreateTime.toISOString() } : {}),
    tags: tagMap(s.TagList),
  };
}
