import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

type QueryResult = { rows: unknown[]; rowCount: number };

/** Whether the flow that called connect() holds the session: set once it has it, cleared by release(). */
interface Holding {
  held: boolean;
}

/** Asking the pool for the session from the flow that holds it: it would wait for itself forever. */
export class PGliteSessionHeldError extends Error {
  override name = 'PGliteSessionHeldError';
}

/**
 * The embedded database of `ops dev` (`database.url: pglite:///path` or `pglite://memory`): PostgreSQL
 * compiled to WebAssembly, in the worker's own process, so the local stack needs no database server and
 * the SQL dialect is the same as production's.
 *
 * PGlite is one session, so this pool hands it to one user at a time: a query, or a client from
 * connect() until release() (a transaction). It implements the part of pg.Pool the activities use.
 *
 * Code that holds a client and then queries the pool (not the client) would wait for itself forever; on
 * PostgreSQL it merely takes a second connection. The flow that called connect() is remembered
 * (AsyncLocalStorage), so that mistake fails at once, naming itself. A flow is an async context: the caller of
 * connect() and what it goes on to do, including work it started in the same synchronous run without awaiting
 * it. Separate callers (each Temporal activity runs in a context of its own) wait their turn as before, and a
 * wait that still outlasts `waitLimitMs` (a stuck holder elsewhere) fails rather than hangs.
 */
export class PGlitePool {
  private queue: Promise<void> = Promise.resolve();
  private readonly holding = new AsyncLocalStorage<Holding>();

  private constructor(
    private readonly db: PGlite,
    private readonly waitLimitMs: number,
  ) {}

  static async open(url: string, options: { waitLimitMs?: number } = {}): Promise<PGlitePool> {
    const location = url.replace(/^pglite:\/\//, '');
    if (location !== 'memory') mkdirSync(location, { recursive: true });
    const db = await PGlite.create(location === 'memory' ? undefined : location);
    return new PGlitePool(db, options.waitLimitMs ?? 60_000);
  }

  /**
   * Waits for the session; returns the function that hands it on. A wait longer than `waitLimitMs` fails with a
   * clear error instead of hanging: with one session, code that holds a client and then queries the pool waits
   * for itself forever (the bucket lock once did), and every later caller with it.
   */
  private async acquire(): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.queue;
    this.queue = previous.then(() => turn);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.waitLimitMs);
    });
    const outcome = await Promise.race([previous.then(() => 'ready' as const), gaveUp]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      // Our place in the queue is kept and handed on at once when it comes, so the queue does not stall on us.
      void previous.then(release);
      throw new Error(
        `the embedded database (PGlite, one session) has been busy for ${Math.round(this.waitLimitMs / 1000)}s: ` +
          'a client held from connect() is waiting for another query on the same pool (use the client), or a query is stuck',
      );
    }
    return release;
  }

  /** Refuses to wait for the session in the flow that holds it. */
  private assertNotHolding(what: string): void {
    if (this.holding.getStore()?.held) {
      throw new PGliteSessionHeldError(
        `${what} while this flow holds the embedded database's only session (a client from connect()): ` +
          'run it on that client, or release the client first; waiting here would wait forever',
      );
    }
  }

  private async run(text: string, params?: unknown[]): Promise<QueryResult> {
    // Parameterless text may hold several statements (migrations): exec runs them all, like pg's simple protocol.
    if (!params?.length) {
      const results = await this.db.exec(text);
      const last = results[results.length - 1];
      return { rows: last?.rows ?? [], rowCount: last ? rowCountOf(last) : 0 };
    }
    const result = await this.db.query(text, params);
    return { rows: result.rows, rowCount: rowCountOf(result) };
  }

  async query(text: string, params?: unknown[]): Promise<QueryResult> {
    this.assertNotHolding('pool.query()');
    const release = await this.acquire();
    try {
      return await this.run(text, params);
    } finally {
      release();
    }
  }

  async connect(): Promise<{ query: PGlitePool['run']; release: () => void }> {
    this.assertNotHolding('pool.connect()');
    // Entered before the first await, so the caller's flow carries it: enterWith reaches the rest of the
    // caller's synchronous run, and with it the continuation of its `await pool.connect()`.
    const holding: Holding = { held: false };
    this.holding.enterWith(holding);
    const release = await this.acquire();
    holding.held = true;
    let released = false;
    return {
      query: (text, params) => this.run(text, params),
      release: () => {
        if (released) return;
        released = true;
        holding.held = false;
        release();
      },
    };
  }

  on(): this {
    return this;
  }

  async end(): Promise<void> {
    this.assertNotHolding('pool.end()');
    const release = await this.acquire();
    try {
      await this.db.close();
    } finally {
      release();
    }
  }

  /** Typed as the pg.Pool the activities take: this class implements the subset they call. */
  asPool(): pg.Pool {
    return this as unknown as pg.Pool;
  }
}

/**
 * pg's rowCount: the command tag's count (the rows a SELECT returned, an UPDATE changed). PGlite's affectedRows
 * is 0 for a SELECT and adds up over the statements of one exec, so it is only the fallback.
 */
function rowCountOf(result: { rowCount?: number; affectedRows?: number; rows: unknown[] }): number {
  return result.rowCount ?? result.affectedRows ?? result.rows.length;
}

export function isPgliteUrl(url: string): boolean {
  return url.startsWith('pglite://');
}
