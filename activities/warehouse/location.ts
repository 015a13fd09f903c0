import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { WAREHOUSE_LOCATION_MISMATCH, WAREHOUSE_NOT_FOUND } from './errors.js';
import type { WarehouseLocation, WarehouseTarget } from './types.js';

/** Who removed the cluster/instance in AWS: after that, not finding it is expected, not a typo or a wrong region. */
export type RemovedBy = 'archive' | 'purge';

const COLUMN = { redshift: 'cluster_id', rds: 'instance_id' } as const;

/** The region of the worker's client and the account of its credentials; the account is asked once. */
export function locator(sts: STSClient, region: () => Promise<string>): () => Promise<WarehouseLocation> {
  let account: Promise<string> | undefined;
  return async () => {
    if (!account) {
      const asked = sts.send(new GetCallerIdentityCommand({})).then((out) => {
        if (!out.Account) throw new Error('STS GetCallerIdentity returned no account');
        return out.Account;
      });
      account = asked;
      // A failed lookup is not remembered: the next attempt asks again.
      void asked.catch(() => {
        if (account === asked) account = undefined;
      });
    }
    return { region: await region(), account: await account };
  };
}

interface LocationRow {
  region: string | null;
  account: string | null;
  warehouse_removed_by: RemovedBy | null;
}

/**
 * The inventory's row of this target, live or removed (verification must still answer after a purge), and a
 * refusal if it records another region or account than the one this worker reaches: every answer from here
 * would be about the wrong place.
 */
export async function checkLocation(db: pg.Pool, target: WarehouseTarget, here: WarehouseLocation): Promise<LocationRow | undefined> {
  const { rows } = await db.query<LocationRow>(
    `SELECT region, account, warehouse_removed_by FROM resources
      WHERE customer_id = $1 AND kind = $2 AND ${COLUMN[target.kind]} = $3 LIMIT 1`,
    [target.customerId, target.kind, target.identifier],
  );
  const row = rows[0];
  if (row && ((row.region !== null && row.region !== here.region) || (row.account !== null && row.account !== here.account))) {
    throw ApplicationFailure.nonRetryable(
      `${target.kind} ${target.identifier} is recorded in region ${row.region ?? '?'} of account ${row.account ?? '?'}, ` +
        `but this worker works in region ${here.region} of account ${here.account}`,
      WAREHOUSE_LOCATION_MISMATCH,
    );
  }
  return row;
}

/** Records where the cluster/instance was found (first finding wins; a mismatch was refused before). */
export async function recordLocation(db: pg.Pool, target: WarehouseTarget, here: WarehouseLocation): Promise<void> {
  await db.query(
    `UPDATE resources SET region = COALESCE(region, $4), account = COALESCE(account, $5)
      WHERE customer_id = $1 AND kind = $2 AND ${COLUMN[target.kind]} = $3 AND removed_at IS NULL`,
    [target.customerId, target.kind, target.identifier, here.region, here.account],
  );
}

/** Records that the lifecycle removed (archive) or is removing (purge) it; the first record wins. */
export async function recordRemoval(db: pg.Pool, target: WarehouseTarget, here: WarehouseLocation, by: RemovedBy): Promise<void> {
  await db.query(
    `UPDATE resources SET region = COALESCE(region, $4), account = COALESCE(account, $5),
            warehouse_removed_by = COALESCE(warehouse_removed_by, $6), warehouse_removed_at = COALESCE(warehouse_removed_at, now())
      WHERE customer_id = $1 AND kind = $2 AND ${COLUMN[target.kind]} = $3 AND removed_at IS NULL`,
    [target.customerId, target.kind, target.identifier, here.region, here.account, by],
  );
}

/**
 * Not finding a cluster/instance that the lifecycle did not remove means the inventory points at the wrong
 * place (another region or account, a typo) or someone else removed it: nothing may be certified from that.
 */
export function notFound(noun: string, target: WarehouseTarget, here: WarehouseLocation): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `${noun} ${target.identifier} does not exist in region ${here.region} of account ${here.account}, and the lifecycle ` +
      'did not remove it: a wrong region, account or identifier in the inventory, or removed by someone else; a human must look',
    WAREHOUSE_NOT_FOUND,
  );
}
