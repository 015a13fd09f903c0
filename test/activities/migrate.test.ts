import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, schemaStatus } from '../../activities/database/migrate.js';
import { LATEST_SCHEMA_VERSION } from '../../activities/database/migrations.js';
import { createTestDatabase } from '../helpers/stack.js';

describe('migrations (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url });
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('applies each migration once, also when several processes migrate at the same time', async () => {
    expect(await schemaStatus(pool)).toMatchObject({ current: 0, latest: LATEST_SCHEMA_VERSION });
    const runs = await Promise.all([migrate(pool), migrate(pool), migrate(pool)]);
    expect(runs.flat().sort()).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
    expect(await migrate(pool)).toEqual([]);
    expect(await schemaStatus(pool)).toEqual({ current: LATEST_SCHEMA_VERSION, latest: LATEST_SCHEMA_VERSION, pending: [] });
  });
});
