import { REQUIRED_SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureTemporalCli,
  ensureTestServer,
  freePort,
  portAccepts,
  startMoto,
  startPostgres,
  startTemporalDevServer,
  stopAll,
} from '../../cli/local-stack/index.js';
import { run } from '../../cli/local-stack/exec.js';
import { isExecutable } from '../../cli/local-stack/which.js';

// Real servers, no mocks. The first run installs the venv (~30 s), hence the timeouts.
const SLOW = 180_000;

const scratch = mkdtempSync(join(tmpdir(), 'lifecycle-ops-test-'));
// As root, PostgreSQL runs as the `postgres` user, which must be able to enter this dir.
chmodSync(scratch, 0o755);

afterAll(async () => {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

async function query<T>(databaseUrl: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

function portOf(url: string): number {
  return Number(new URL(url.includes('://') ? url : `tcp://${url}`).port);
}

describe('local stack', () => {
  it('provides a test server executable started as `<path> <port>`', { timeout: SLOW }, async () => {
    const path = await ensureTestServer();
    expect(isExecutable(path)).toBe(true);
    // Start it the way the Temporal SDK does, and check it listens.
    const port = await freePort();
    const child = spawn(path, [String(port)], { stdio: 'ignore' });
    try {
      let up = false;
      for (let i = 0; i < 50 && !up; i++) {
        up = await portAccepts(port);
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      expect(up).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('starts moto and stops it', { timeout: SLOW }, async () => {
    const moto = await startMoto();
    const res = await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
    expect(res.status).toBe(200);
    await moto.stop();
    await moto.stop(); // idempotent
    expect(await portAccepts(portOf(moto.endpoint))).toBe(false);
  });

  it('starts a throwaway postgres with an ops database', { timeout: SLOW }, async () => {
    const postgres = await startPostgres({});
    expect(postgres.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/ops$/);
    const rows = await query<{ one: number }>(postgres.databaseUrl, 'select 1 as one');
    expect(rows).toEqual([{ one: 1 }]);
    await postgres.stop();
    expect(await portAccepts(portOf(postgres.databaseUrl))).toBe(false);
  });

  it('keeps a persistent postgres data dir across restarts', { timeout: SLOW }, async () => {
    const dataDir = join(scratch, 'pgdata');
    const first = await startPostgres({ dataDir });
    await query(first.databaseUrl, "create table kept (v text); insert into kept values ('still here')");
    await first.stop();

    const second = await startPostgres({ dataDir });
    const rows = await query<{ v: string }>(second.databaseUrl, 'select v from kept');
    expect(rows).toEqual([{ v: 'still here' }]);
    await second.stop();
    expect(await portAccepts(portOf(second.databaseUrl))).toBe(false);
  });

  it('starts the Temporal dev server with the search attributes', { timeout: SLOW }, async () => {
    const server = await startTemporalDevServer({ searchAttributes: REQUIRED_SEARCH_ATTRIBUTES });
    const cli = await ensureTemporalCli();
    const listed = await run(cli, ['operator', 'search-attribute', 'list', '--address', server.address]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('CustomerId');
    expect(listed.stdout).toContain('LifecycleStage');
    await server.stop();
    expect(await portAccepts(portOf(server.address))).toBe(false);
  });
});
