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

  private constructor(private readonly db: PGlite) {}

  static async open(url: string): Promise<PGlitePool> {
    const location = url.replace(/^pglite:\/\//, '');
    if (location !== 'memory') mkdirSync(location, { recursive: true });
    const db = await PGlite.create(location === 'memory' ? undefined : location);
    return new PGlitePool(db);
  }

  /** Waits for the session; returns the function that hands it on. */
  private async acquire(): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.queue;
    this.queue = previous.then(() => turn);
    await previous;
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
