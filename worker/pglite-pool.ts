import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

type QueryResult = { rows: unknown[]; rowCount: number };

/**
 * The embedded database of `ops dev` (`database.url: pglite:///path` or `pglite://memory`): PostgreSQL
 * compiled to WebAssembly, in the worker's own process, so the local stack needs no database server and
 * the SQL dialect is the same as production's.
 *
 * PGlite is one session, so this pool hands it to one user at a time: a query, or a client from
 * connect() until release() (a transaction). It implements the part of pg.Pool the activities use.
 */
export class PGlitePool {
  private queue: Promise<void> = Promise.resolve();

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

  private async run(text: string, params?: unknown[]): Promise<QueryResult> {
    // Parameterless text may hold several statements (migrations): exec runs them all, like pg's simple protocol.
    if (!params?.length) {
      const results = await this.db.exec(text);
      const last = results[results.length - 1];
      return { rows: last?.rows ?? [], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
    }
    const result = await this.db.query(text, params);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async query(text: string, params?: unknown[]): Promise<QueryResult> {
    const release = await this.acquire();
    try {
      return await this.run(text, params);
    } finally {
      release();
    }
  }

  async connect(): Promise<{ query: PGlitePool['run']; release: () => void }> {
    const release = await this.acquire();
    let released = false;
    return {
      query: (text, params) => this.run(text, params),
      release: () => {
        if (released) return;
        released = true;
        release();
      },
    };
  }

  on(): this {
    return this;
  }

  async end(): Promise<void> {
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

export function isPgliteUrl(url: string): boolean {
  return url.startsWith('pglite://');
}
