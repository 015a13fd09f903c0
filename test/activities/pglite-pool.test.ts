import { describe, expect, it } from 'vitest';
import { PGlitePool } from '../../worker/pglite-pool.js';

describe('the embedded database pool (PGlite, one session)', () => {
  it('fails a wait for its only session with a clear error instead of hanging, and keeps serving after', async () => {
    const pool = await PGlitePool.open('pglite://memory', { waitLimitMs: 300 });
    const db = pool.asPool();
    try {
      const held = await db.connect();
      // The mistake the bucket lock once made: hold a client, then query the pool from inside.
      await expect(db.query('SELECT 1 AS one')).rejects.toThrow(/embedded database \(PGlite, one session\) has been busy for 0s: a client held from connect\(\)/);
      expect((await held.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      held.release();
      expect((await db.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    } finally {
      await db.end();
    }
  });
});
