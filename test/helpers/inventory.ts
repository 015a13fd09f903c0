import pg from 'pg';
import { migrate } from '../../activities/database/migrate.js';
import { addCustomers } from '../../activities/inventory/customers.js';
import { customerSchema, type CustomerInput } from '../../common/customer.js';
import type { Config } from '../../common/config.js';
import { createActivityClients, type ClosableClients } from '../../worker/clients.js';
import { PGlitePool } from '../../worker/pglite-pool.js';
import { createTestDatabase } from './stack.js';

/**
 * A fresh migrated database with these customers in its inventory, on PostgreSQL (the default) or PGlite. On
 * PGlite the url (`pglite://memory`) names no shared database: hand `pool` itself to the clients (clientsOn).
 */
export async function inventoryDatabase(customers: CustomerInput[] = [], backend: Backend = 'postgres') {
  const opened = await openBackend(backend);
  await migrate(opened.db);
  if (customers.length) await addCustomers(opened.db, customers.map((c) => customerSchema.parse(c)));
  return { url: opened.url, pool: opened.db, backend, close: opened.close };
}

/** Activity clients on an open database: close() closes the AWS clients and leaves the database to its owner. */
export function clientsOn(pool: pg.Pool, config: Config): ClosableClients {
  const clients = createActivityClients(config, pool);
  return {
    ...clients,
    close() {
      for (const client of [clients.s3, clients.redshift, clients.rds, clients.sts, clients.ec2]) client.destroy();
      return Promise.resolve();
    },
  };
}

export type Backend = 'postgres' | 'pglite';
/** Both databases the suite runs on: PostgreSQL in production, the embedded PGlite of `ops dev`. */
export const BACKENDS: readonly Backend[] = ['postgres', 'pglite'];

/**
 * An empty (unmigrated) database of either kind, with its URL for clients: a fresh PostgreSQL database, or an
 * in-memory PGlite behind the suite's one-session pool.
 */
export async function openBackend(backend: Backend, options: { waitLimitMs?: number } = {}): Promise<{ db: pg.Pool; url: string; close: () => Promise<void> }> {
  if (backend === 'postgres') {
    const database = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: 5 });
    // DROP DATABASE … WITH (FORCE) ends connections still closing: expected, not a failure.
    pool.on('error', () => undefined);
    return {
      db: pool,
      url: database.url,
      async close() {
        await pool.end();
        await database.drop();
      },
    };
  }
  const db = (await PGlitePool.open('pglite://memory', options)).asPool();
  return { db, url: 'pglite://memory', close: () => db.end() };
}
