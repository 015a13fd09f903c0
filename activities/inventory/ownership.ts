import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { CUSTOMER_ID_PATTERN } from '../../common/customer.js';

/** The failure type every refused isolation check carries; never retried. */
export const OWNERSHIP_VIOLATION = 'OwnershipViolation';

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, OWNERSHIP_VIOLATION);
}

export function assertCustomerId(customerId: string): void {
  if (!CUSTOMER_ID_PATTERN.test(customerId)) refuse(`malformed customer id ${JSON.stringify(customerId)}`);
}

/** A prefix we may move or delete under: relative, non-empty, ending in '/', no empty or dot segments. */
export function assertSafePrefix(prefix: string): void {
  if (prefix === '' || prefix === '/') refuse('refusing an empty or root prefix');
  if (!prefix.endsWith('/')) refuse(`prefix ${JSON.stringify(prefix)} must end with '/' (else it reaches into names that merely start the same)`);
  if (prefix.startsWith('/')) refuse(`prefix ${JSON.stringify(prefix)} must not start with '/'`);
  if (prefix.slice(0, -1).split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    refuse(`prefix ${JSON.stringify(prefix)} has an empty, '.' or '..' segment`);
  }
}

interface S3Row {
  customer_id: string;
  prefix: string;
  dedicated: boolean;
}

/**
 * Re-checks, against the inventory, that `customerId` owns s3://bucket/prefix and that nothing of another
 * customer lies under it or around it. Call right before moving or deleting anything there.
 */
export async function assertS3Owned(db: pg.Pool, customerId: string, bucket: string, prefix: string): Promise<void> {
  assertCustomerId(customerId);
  const { rows } = await db.query<S3Row>(
    `SELECT customer_id, prefix, dedicated FROM resources WHERE kind = 's3' AND bucket = $1 AND removed_at IS NULL`,
    [bucket],
  );
  const own = rows.find((r) => r.customer_id === customerId && r.prefix === prefix);
  if (!own) refuse(`s3://${bucket}/${prefix} is not in the inventory of customer ${customerId}`);
  if (prefix === '') {
    if (!own.dedicated) refuse(`refusing the whole of shared bucket ${bucket}: an empty or root prefix`);
  } else {
    assertSafePrefix(prefix);
  }
  for (const other of rows) {
    if (other.customer_id === customerId) continue;
    if (other.dedicated || other.prefix === '') {
      refuse(`bucket ${bucket} is also in the inventory of customer ${other.customer_id}`);
    }
    if (prefix === '' || other.prefix.startsWith(prefix) || prefix.startsWith(other.prefix)) {
      refuse(`s3://${bucket}/${prefix} overlaps s3://${bucket}/${other.prefix} of customer ${other.customer_id}`);
    }
  }
}

/** Re-checks that a dedicated Redshift cluster or RDS instance belongs to this customer alone. */
export async function assertDedicatedOwned(
  db: pg.Pool,
  customerId: string,
  kind: 'redshift' | 'rds',
  identifier: string,
): Promise<void> {
  assertCustomerId(customerId);
  const column = kind === 'redshift' ? 'cluster_id' : 'instance_id';
  const { rows } = await db.query<{ customer_id: string; dedicated: boolean }>(
    `SELECT customer_id, dedicated FROM resources WHERE kind = $1 AND ${column} = $2 AND removed_at IS NULL`,
    [kind, identifier],
  );
  const own = rows.find((r) => r.customer_id === customerId);
  if (!own) refuse(`${kind} ${identifier} is not in the inventory of customer ${customerId}`);
  if (!own.dedicated) refuse(`${kind} ${identifier} is shared: refusing to snapshot-and-remove or delete it for one customer`);
  const other = rows.find((r) => r.customer_id !== customerId);
  if (other) refuse(`${kind} ${identifier} is also in the inventory of customer ${other.customer_id}`);
}
