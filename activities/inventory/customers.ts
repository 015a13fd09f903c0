import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import type { Customer, CustomerDetail, CustomerSummary } from '../../common/customer.js';
import { describeResource } from '../../common/customer.js';

export const INVENTORY_CONFLICT = 'InventoryConflict';


/**
 * Adds customers with their projects, tokens and resources, all or nothing. Refuses an existing id and a
 * resource that is already someone's or overlaps another customer's S3 prefix: isolation starts here.
 */
export async function addCustomers(db: pg.Pool, customers: Customer[]): Promise<void> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    // One writer at a time, so two imports cannot both pass the overlap check.
    await client.query('LOCK TABLE resources IN SHARE ROW EXCLUSIVE MODE');
    for (const customer of customers) await insertCustomer(client, customer);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

async function insertCustomer(client: pg.PoolClient, customer: Customer): Promise<void> {
  const inserted = await client.query(
    `INSERT INTO customers (id, name, organization) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [customer.id, customer.name, customer.organization],
  );
  if (inserted.rowCount === 0) conflict(`customer ${customer.id} already exists`);
  for (const project of customer.projects) {
    await client.query(`INSERT INTO projects (customer_id, id, name) VALUES ($1, $2, $3)`, [customer.id, project.id, project.name]);
    for (const token of project.tokens) {
      await client.query(`INSERT INTO api_tokens (customer_id, project_id, id) VALUES ($1, $2, $3)`, [customer.id, project.id, token]);
    }
  }
  for (const resource of customer.resources) {
    await assertNoOverlap(client, customer.id, resource);
    await client.query(
      `INSERT INTO resources (customer_id, kind, bucket, prefix, cluster_id, instance_id, dedicated)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        customer.id,
        resource.kind,
        resource.kind === 's3' ? resource.bucket : null,
        resource.kind === 's3' ? resource.prefix : null,
        resource.kind === 'redshift' ? resource.clusterId : null,
        resource.kind === 'rds' ? resource.instanceId : null,
        resource.dedicated,
      ],
    );
  }
}

async function assertNoOverlap(client: pg.PoolClient, customerId: string, resource: Customer['resources'][number]): Promise<void> {
  const where = describeResource(resource);
  if (resource.kind !== 's3') {
    const column = resource.kind === 'redshift' ? 'cluster_id' : 'instance_id';
    const id = resource.kind === 'redshift' ? resource.clusterId : resource.instanceId;
    const { rows } = await client.query<{ customer_id: string }>(
      `SELECT customer_id FROM resources WHERE kind = $1 AND ${column} = $2`,
      [resource.kind, id],
    );
    if (rows[0]) conflict(`${where} is already in the inventory of customer ${rows[0].customer_id}`);
    return;
  }
  if (resource.prefix === '' && !resource.dedicated) conflict(`${where}: a shared bucket needs a prefix ending in '/'`);
  if (resource.prefix !== '' && (!resource.prefix.endsWith('/') || resource.prefix.startsWith('/'))) {
    conflict(`${where}: a prefix must not start with '/' and must end with '/'`);
  }
  const { rows } = await client.query<{ customer_id: string; prefix: string; dedicated: boolean }>(
    `SELECT customer_id, prefix, dedicated FROM resources WHERE kind = 's3' AND bucket = $1`,
    [resource.bucket],
  );
  for (const other of rows) {
    const overlaps =
      resource.dedicated || other.dedicated || other.prefix.startsWith(resource.prefix) || resource.prefix.startsWith(other.prefix);
    if (overlaps) {
      const whose = other.customer_id === customerId ? 'this customer' : `customer ${other.customer_id}`;
      conflict(`${where} overlaps s3://${resource.bucket}/${other.prefix} of ${whose}`);
    }
  }
}

function conflict(message: string): never {
  throw ApplicationFailure.nonRetryable(message, INVENTORY_CONFLICT);
}

export async function listCustomers(db: pg.Pool): Promise<CustomerSummary[]> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    organization: string;
    stage: string | null;
    created_at: Date;
    projects: string;
    tokens: string;
    resources: string;
  }>(
    `SELECT c.id, c.name, c.organization, c.stage, c.created_at,
            (SELECT count(*) FROM projects p WHERE p.customer_id = c.id AND p.deleted_at IS NULL) AS projects,
            (SELECT count(*) FROM api_tokens t WHERE t.customer_id = c.id AND t.revoked_at IS NULL) AS tokens,
            (SELECT count(*) FROM resources r WHERE r.customer_id = c.id AND r.removed_at IS NULL) AS resources
       FROM customers c ORDER BY c.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    organization: r.organization,
    stage: r.stage,
    projects: Number(r.projects),
    activeTokens: Number(r.tokens),
    resources: Number(r.resources),
    createdAt: r.created_at.toISOString(),
  }));
}


export async function showCustomer(db: pg.Pool, customerId: string): Promise<CustomerDetail | null> {
  const customer = await db.query<{ id: string; name: string; organization: string; stage: string | null; deleted_at: Date | null }>(
    `SELECT id, name, organization, stage, deleted_at FROM customers WHERE id = $1`,
    [customerId],
  );
  const row = customer.rows[0];
  if (!row) return null;
  const projects = await db.query<{ id: string; name: string; deleted_at: Date | null }>(
    `SELECT id, name, deleted_at FROM projects WHERE customer_id = $1 ORDER BY id`,
    [customerId],
  );
  const tokens = await db.query<{ project_id: string; id: string; revoked_at: Date | null }>(
    `SELECT project_id, id, revoked_at FROM api_tokens WHERE customer_id = $1 ORDER BY id`,
    [customerId],
  );
  const resources = await db.query<{
    id: string; kind: 's3' | 'redshift' | 'rds'; bucket: string | null; prefix: string | null;
    cluster_id: string | null; instance_id: string | null; dedicated: boolean; removed_at: Date | null;
  }>(`SELECT * FROM resources WHERE customer_id = $1 ORDER BY id`, [customerId]);
  return {
    id: row.id,
    name: row.name,
    organization: row.organization,
    stage: row.stage,
    deletedAt: row.deleted_at?.toISOString() ?? null,
    projects: projects.rows.map((p) => ({
      id: p.id,
      name: p.name,
      deleted: p.deleted_at !== null,
      tokens: tokens.rows.filter((t) => t.project_id === p.id).map((t) => ({ id: t.id, revoked: t.revoked_at !== null })),
    })),
    resources: resources.rows.map((r) => {
      const base = { id: Number(r.id), dedicated: r.dedicated, removed: r.removed_at !== null };
      if (r.kind === 's3') return { ...base, kind: 's3' as const, bucket: r.bucket!, prefix: r.prefix! };
      if (r.kind === 'redshift') return { ...base, kind: 'redshift' as const, clusterId: r.cluster_id! };
      return { ...base, kind: 'rds' as const, instanceId: r.instance_id! };
    }),
  };
}
