import { createHash, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { forgetPersonalAudit } from '../audit/audit-log.js';
import type pg from 'pg';
import { assertCustomerId } from './ownership.js';

export const UNKNOWN_CUSTOMER = 'UnknownCustomer';

export interface AccessChange {
  projects: number;
  tokens: number;
}

async function inTransaction<T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function assertCustomerExists(db: pg.Pool | pg.PoolClient, customerId: string): Promise<{ stage: string | null }> {
  assertCustomerId(customerId);
  const { rows } = await db.query<{ stage: string | null }>(`SELECT stage FROM customers WHERE id = $1`, [customerId]);
  if (!rows[0]) throw ApplicationFailure.nonRetryable(`customer ${customerId} is not in the inventory`, UNKNOWN_CUSTOMER);
  return rows[0];
}

/**
 * Marks every live project deleted and revokes every live token, flagging what it changed so that
 * reinstatement restores exactly that (a token revoked before termination stays revoked). Idempotent.
 */
export async function revokeInventoryAccess(db: pg.Pool, customerId: string): Promise<AccessChange> {
  return inTransaction(db, async (client) => {
    await assertCustomerExists(client, customerId);
    const tokens = await client.query(
      `UPDATE api_tokens SET revoked_at = now(), revoked_by_lifecycle = true WHERE customer_id = $1 AND revoked_at IS NULL`,
      [customerId],
    );
    const projects = await client.query(
      `UPDATE projects SET deleted_at = now(), deleted_by_lifecycle = true WHERE customer_id = $1 AND deleted_at IS NULL`,
      [customerId],
    );
    await client.query(`UPDATE customers SET deleted_at = COALESCE(deleted_at, now()) WHERE id = $1`, [customerId]);
    return { projects: projects.rowCount ?? 0, tokens: tokens.rowCount ?? 0 };
  });
}

/** Undoes exactly what revokeInventoryAccess did. Idempotent. */
export async function restoreInventoryAccess(db: pg.Pool, customerId: string): Promise<AccessChange> {
  return inTransaction(db, async (client) => {
    await assertCustomerExists(client, customerId);
    const projects = await client.query(
      `UPDATE projects SET deleted_at = NULL, deleted_by_lifecycle = false WHERE customer_id = $1 AND deleted_by_lifecycle`,
      [customerId],
    );
    const tokens = await client.query(
      `UPDATE api_tokens SET revoked_at = NULL, revoked_by_lifecycle = false WHERE customer_id = $1 AND revoked_by_lifecycle`,
      [customerId],
    );
    await client.query(`UPDATE customers SET deleted_at = NULL WHERE id = $1`, [customerId]);
    return { projects: projects.rowCount ?? 0, tokens: tokens.rowCount ?? 0 };
  });
}

/** What a user could still use: live projects and tokens. Zero after termination. */
export async function liveAccess(db: pg.Pool, customerId: string): Promise<AccessChange> {
  const { rows } = await db.query<{ projects: string; tokens: string }>(
    `SELECT (SELECT count(*) FROM projects WHERE customer_id = $1 AND deleted_at IS NULL) AS projects,
            (SELECT count(*) FROM api_tokens WHERE customer_id = $1 AND revoked_at IS NULL) AS tokens`,
    [customerId],
  );
  return { projects: Number(rows[0]?.projects ?? 0), tokens: Number(rows[0]?.tokens ?? 0) };
}

/** Mirrors the lifecycle stage into the inventory, for listings that do not go through Temporal. */
export async function setCustomerStage(db: pg.Pool, customerId: string, stage: string | null): Promise<void> {
  await db.query(`UPDATE customers SET stage = $2 WHERE id = $1`, [customerId, stage]);
}

/** After archive or purge removed a cluster/instance (or emptied a prefix), the inventory says so. */
export async function markResourcesRemoved(db: pg.Pool, customerId: string, resourceIds: number[]): Promise<void> {
  if (!resourceIds.length) return;
  await db.query(`UPDATE resources SET removed_at = COALESCE(removed_at, now()) WHERE customer_id = $1 AND id = ANY($2::bigint[])`, [
    customerId,
    resourceIds,
  ]);
}

/**
 * Purge: the projects, tokens, saved policies and lifecycle checkpoints go; the customer row stays as the anchor
 * of its certificate and audit trail, with its name and organization replaced by a salted digest (the salt is
 * not kept: nobody can read them back), and the personal fields of its audit entries are removed (the chain
 * keeps their digests). What stays is what the certificate's retention statement says.
 */
export async function forgetCustomerInventory(db: pg.Pool, customerId: string): Promise<AccessChange & { personalAuditValues: number }> {
  return inTransaction(db, async (client) => {
    await assertCustomerExists(client, customerId);
    const tokens = await client.query(`DELETE FROM api_tokens WHERE customer_id = $1`, [customerId]);
    const projects = await client.query(`DELETE FROM projects WHERE customer_id = $1`, [customerId]);
    await client.query(`DELETE FROM bucket_policy_backups WHERE customer_id = $1`, [customerId]);
    await client.query(`DELETE FROM lifecycle_checkpoints WHERE workflow_id = $1`, [`lifecycle/${customerId}`]);
    // The purge's page journal names object keys, which can say things of their own.
    await client.query(`DELETE FROM purge_journal WHERE customer_id = $1`, [customerId]);
    const salt = randomBytes(16).toString('hex');
    const pseudonym = (text: string) => `pseudonym:${createHash('sha256').update(`${salt}:${text}`).digest('hex').slice(0, 16)}`;
    const { rows } = await client.query<{ name: string; organization: string }>(`SELECT name, organization FROM customers WHERE id = $1`, [customerId]);
    if (rows[0] && !rows[0].name.startsWith('pseudonym:')) {
      await client.query(`UPDATE customers SET name = $2, organization = $3 WHERE id = $1`, [customerId, pseudonym(rows[0].name), pseudonym(rows[0].organization)]);
    }
    const personalAuditValues = await forgetPersonalAudit(client, `customer:${customerId}`);
    return { projects: projects.rowCount ?? 0, tokens: tokens.rowCount ?? 0, personalAuditValues };
  });
}
