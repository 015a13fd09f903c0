import pg from 'pg';
import { migrate } from '../../activities/database/migrate.js';
import { addCustomers } from '../../activities/inventory/customers.js';
import { customerSchema, type CustomerInput } from '../../common/customer.js';
import { createTestDatabase } from './stack.js';

/** A fresh migrated database with these customers in its inventory. */
export async function inventoryDatabase(customers: CustomerInput[] = []) {
  const database = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 5 });
  await migrate(pool);
  if (customers.length) await addCustomers(pool, customers.map((c) => customerSchema.parse(c)));
  return {
    url: database.url,
    pool,
    async close() {
      await pool.end();
      await database.drop();
    },
  };
}
