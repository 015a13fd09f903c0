import {
  AddTagsToResourceCommand,
  type DBInstance,
  type DBSnapshot,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  ModifyDBSnapshotAttributeCommand,
  paginateDescribeDBInstanceAutomatedBackups,
  paginateDescribeDBSnapshots,
  type RDSClient,
  waitUntilDBInstanceAvailable,
  waitUntilDBInstanceDeleted,
  waitUntilDBSnapshotAvailable,
} from '@aws-sdk/client-rds';
import { ApplicationFailure } from '@temporalio/activity';
import { heartbeat } from './activity-context.js';
import { WAIT_SECONDS } from './waits.js';
import { awsErrorName, asTagList, type RemoveOutcome, sameIdentifier, tagMap, type WarehouseService, type WarehouseSnapshot } from './service.js';

/** The snapshot attribute that lists who may restore (copy) a manual snapshot: account ids, or 'all' for public. */
const RESTORE = 'restore';

export function rdsService(client: RDSClient): WarehouseService {
  async function describe(identifier: string): Promise<DBInstance | undefined> {
    try {
      const out = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
      return out.DBInstances?.find((i) => sameIdentifier(i.DBInstanceIdentifier, identifier));
    } catch (err) {
      if (awsErrorName(err) === 'DBInstanceNotFoundFault') return undefined;
      throw err;
    }
  }

  /** Who may restore the snapshot; undefined if it no longer exists. */
  async function restoreAccounts(snapshotId: string): Promise<string[] | undefined> {
    try {
      const out = await client.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: snapshotId }));
      const attribute = out.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === RESTORE);
      return attribute?.AttributeValues ?? [];
    } catch (err) {
      if (awsErrorName(err) === 'DBSnapshotNotFoundFault') return undefined;
      throw err;
    }
  }

  const service: WarehouseService = {
    noun: 'RDS instance',

    async find(identifier) {
      const instance = await describe(identifier);
      if (!instance) return undefined;
      const status = instance.DBInstanceStatus ?? 'unknown';
      return { status, deleting: status === 'deleting', deletionProtection: instance.DeletionProtection === true };
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

    region: () => client.config.region(),
    // DescribeDBSnapshots without SnapshotType returns manual and automated snapshots alike.
    listings: {
      listed: ['instance', 'manual-snapshots', 'automated-snapshots', 'retained-automated-backups'],
      apis: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 'rds:DescribeDBInstanceAutomatedBackups'],
    },

    async describeAccess(identifier) {
      const instance = await describe(identifier);
      if (!instance) return undefined;
      return {
        status: instance.DBInstanceStatus ?? 'unknown',
        publiclyAccessible: instance.PubliclyAccessible === true,
        securityGroupIds: (instance.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
      };
    },

    async modifyAccess(identifier, change) {
      await client.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: identifier,
          ...(change.publiclyAccessible !== undefined ? { PubliclyAccessible: change.publiclyAccessible } : {}),
          ...(change.securityGroupIds ? { VpcSecurityGroupIds: change.securityGroupIds } : {}),
          // Else it waits for the next maintenance window.
          ApplyImmediately: true,
        }),
      );
    },

    async waitUntilAvailable(identifier, signal) {
      await waitUntilDBInstanceAvailable({ client, maxWaitTime: WAIT_SECONDS, abortSignal: signal }, { DBInstanceIdentifier: identifier });
    },

    // Automated snapshots cannot be shared (only copied), so only manual ones are asked.
    async snapshotShares(identifier) {
      const shares: Record<string, string[]> = {};
      for (const s of await service.listSnapshots(identifier)) {
        if (s.type !== 'manual') continue;
        heartbeat({ step: 'reading snapshot shares', snapshotId: s.id }); // one call per snapshot
        const accounts = await restoreAccounts(s.id);
        if (accounts?.length) shares[s.id] = accounts;
      }
      return shares;
    },

    async unshareSnapshot(_identifier, snapshotId, accounts) {
      try {
        await client.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: snapshotId, AttributeName: RESTORE, ValuesToRemove: accounts }));
      } catch (err) {
        if (awsErrorName(err) !== 'DBSnapshotNotFoundFault') throw err;
      }
    },

    async shareSnapshot(_identifier, snapshotId, accounts) {
      const current = await restoreAccounts(snapshotId);
      if (!current) return undefined;
      // Only the missing ones: moto (unlike RDS) would list a value twice.
      const missing = accounts.filter((a) => !current.includes(a));
      if (missing.length) {
        await client.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: snapshotId, AttributeName: RESTORE, ValuesToAdd: missing }));
      }
      return missing;
    },

    notClosable: [
      'database users and their passwords: changing them needs SQL on the instance (the master password could be reset, but not put back)',
      'connections already open: closing the network refuses new ones only',
      'IAM database authentication and RDS Proxy endpoints in front of the instance',
      'DB security groups (EC2-Classic, retired by AWS; an instance in a VPC ignores them)',
    ],
  };
  return service;

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
