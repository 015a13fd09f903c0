import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlitePool, PGliteSessionHeldError } from '../../worker/pglite-pool.js';

/** Runs `work` in a flow of its own (as each activity is), not in the caller's synchronous run. */
function inOwnFlow<T>(work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => setImmediate(() => void work().then(resolve, reject)));
}

describe('the embedded database pool (PGlite, one session)', () => {
  let pool: PGlitePool;
  beforeAll(async () => {
    pool = await PGlitePool.open('pglite://memory', { waitLimitMs: 300 });
  });
  afterAll(async () => pool?.end());

  it('fails at once, not never, when the flow holding the session asks the pool for it again', async () => {
    const db = pool.asPool();
    const held = await db.connect();
    try {
      // The mistake the bucket lock once made: hold a client, then query the pool from inside.
      const started = Date.now();
      await expect(db.query('SELECT 1 AS one')).rejects.toThrow(PGliteSessionHeldError);
      await expect(db.query('SELECT 1 AS one')).rejects.toThrow(/pool\.query\(\) while this flow holds the embedded database's only session .*run it on that client/);
      await expect(db.connect()).rejects.toThrow(/pool\.connect\(\) while this flow holds/);
      expect(Date.now() - started).toBeLessThan(250);
      expect((await held.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      held.release();
    }
    // Released: the same flow uses the pool again.
    expect((await db.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
  });

  it('makes other flows wait their turn, and fails a wait for a stuck holder instead of hanging', async () => {
    const db = pool.asPool();
    const order: string[] = [];
    let letGo!: () => void;
    const stuck = new Promise<void>((resolve) => (letGo = resolve));
    const holder = inOwnFlow(async () => {
      const client = await db.connect();
      try {
        await stuck;
        order.push('holder done');
      } finally {
        client.release();
      }
    });
    await new Promise((r) => setTimeout(r, 20));
    // Held elsewhere for longer than the limit: a clear error, and the queue keeps going.
    await expect(db.query('SELECT 1')).rejects.toThrow(/embedded database \(PGlite, one session\) has been busy for 0s/);
    const waiter = db.query('SELECT 1').then(() => order.push('waiter ran'));
    letGo();
    await Promise.all([holder, waiter]);
    expect(order).toEqual(['holder done', 'waiter ran']);
  });

  it("counts rows like pg: a SELECT's rows, an UPDATE's changes", async () => {
    const db = pool.asPool();
    await db.query('CREATE TABLE counted (n int)');
    expect((await db.query('INSERT INTO counted VALUES ($1), ($2)', [1, 2])).rowCount).toBe(2);
    expect((await db.query('SELECT * FROM counted WHERE n > $1', [0])).rowCount).toBe(2);
    expect((await db.query('SELECT * FROM counted')).rowCount).toBe(2);
    expect((await db.query('UPDATE counted SET n = n + 1 WHERE n = $1', [1])).rowCount).toBe(1);
  });
});
