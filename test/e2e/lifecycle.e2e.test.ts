import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { LifecycleStatus } from '../../common/lifecycle-messages.js';
import type { DeletionCertificate, DeletionManifest } from '../../common/manifest.js';
import { census, seedCustomer } from '../helpers/lifecycle.js';
import { envFor, runOps, startOps, type OpsProcess } from '../helpers/ops-cli.js';
import { testOperators } from '../helpers/operators.js';
import { clientsFor, createTestDatabase, testConfig, uniqueName } from '../helpers/stack.js';

describe('the customer lifecycle through the ops CLI (subprocesses on the dev server)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let config: ReturnType<typeof testConfig>;
  let clients: ReturnType<typeof clientsFor>;
  let worker: OpsProcess;
  const bucket = uniqueName('e2e').replace(/_/g, '-');
  const dir = mkdtempSync(join(tmpdir(), 'ops-e2e-'));
  const ops = testOperators();
  // Each operator has a key of their own; holds down to 1s are allowed, the contractual one stays 30d.
  const as = (operator: string, extra: Record<string, string> = {}) =>
    envFor(config, { OPS_OPERATOR: operator, OPS_OPERATOR_KEY: ops.keyFiles[operator] ?? '/nonexistent', OPS_MIN_HOLD: '1s', ...extra });

  beforeAll(async () => {
    database = await createTestDatabase();
    config = testConfig({ database: { url: database.url }, lifecycle: { s3PageSize: 50 } });
    clients = clientsFor(config);
    worker = startOps(['worker'], envFor(config, { OPS_S3_PAGE_SIZE: '50', OPS_OPERATORS_FILE: ops.allowListFile, OPS_MIN_HOLD: '1s' }));
    await worker.waitFor(/worker polling/);
  });
  afterAll(async () => {
    await worker?.stop();
    await clients?.close();
    await database?.drop();
  });

  async function importCustomer(keys: number) {
    const seed = await seedCustomer(clients, bucket, { keys });
    const file = join(dir, `${seed.customer.id}.yaml`);
    writeFileSync(file, stringify({ customers: [seed.customer] }));
    const imported = await runOps(['customers', 'import', file], as('alice'));
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toBe(`added 1 customer: ${seed.customer.id}\n`);
    expect(imported.code).toBe(0);
    return seed;
  }

  async function status(id: string): Promise<LifecycleStatus> {
    const result = await runOps(['status', id, '--json'], as('alice'));
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { status: LifecycleStatus }).status;
  }

  it('terminates, holds, archives, purges with a second operator, and prints the certificate', async () => {
    const seed = await importCustomer(10);
    const id = seed.customer.id;
    const before = await census(clients.s3, bucket, seed.prefix);

    const terminated = await runOps(['terminate-customer', id, '--reason', 'contract ended', '--ticket', 'OPS-7', '--hold', '3s', '--yes', '--json'], as('alice'));
    expect(terminated.code, terminated.stderr).toBe(0);
    const started = JSON.parse(terminated.stdout) as { alreadyRunning: boolean; status: LifecycleStatus; workflowUrl: string };
    expect(started).toMatchObject({ alreadyRunning: false, status: { stage: 'held', customerId: id, terminatedBy: 'alice', ticket: 'OPS-7', shortHold: { requestedSeconds: 3 } } });
    expect(started.workflowUrl).toContain(`/workflows/lifecycle%2F${id}`);

    // 3s is shorter than the contractual 30 days: the data stays held until a second operator approves.
    const ownHold = await runOps(['approve-hold', id, '--yes'], as('alice'));
    expect(ownHold.code).toBe(1);
    expect(ownHold.stderr).toMatch(/alice terminated .* cannot also approve its shorter hold/);
    expect((await status(id)).stage).toBe('held');
    const hold = await runOps(['approve-hold', id, '--yes'], as('bob'));
    expect(hold.code, hold.stderr).toBe(0);

    // A second terminate reports the running lifecycle and changes nothing.
    const again = await runOps(['terminate-customer', id, '--reason', 'again', '--yes'], as('bob'));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`customer ${id} is already terminated`));
    expect(again.stdout).toMatch(/terminated\s+\S+ by alice: contract ended \(OPS-7\)/);

    const watched = await runOps(['status', id, '--watch'], as('alice'), 60_000);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/stage\s+archived/);
    expect((await census(clients.s3, bucket, seed.prefix)).notArchived).toBe(0);

    const listed = await runOps(['list', '--stage', 'archived', '--json'], as('alice'));
    expect((JSON.parse(listed.stdout) as { customerId: string }[]).map((r) => r.customerId)).toContain(id);

    const dryRun = await runOps(['purge-customer', id, '--request-ref', 'REQ-9', '--dry-run', '--json'], as('alice'));
    expect(dryRun.code, dryRun.stderr).toBe(0);
    const plan = JSON.parse(dryRun.stdout) as { manifest: DeletionManifest };
    expect(plan.manifest.totals).toMatchObject({ objectVersions: before.versions, deleteMarkers: before.deleteMarkers, snapshots: 2 });
    expect(await census(clients.s3, bucket, seed.prefix)).toMatchObject({ versions: before.versions });

    const noConfirm = await runOps(['purge-customer', id, '--request-ref', 'REQ-9'], as('alice'));
    expect(noConfirm.code).toBe(64);
    expect(noConfirm.stderr).toMatch(/refusing without confirmation \(no terminal\): pass --yes/);

    const requested = await runOps(['purge-customer', id, '--request-ref', 'REQ-9', '--yes'], as('alice'));
    expect(requested.code, requested.stderr).toBe(0);
    expect(requested.stdout).toMatch(/waits for a second operator/);

    const self = await runOps(['approve-purge', id, '--yes'], as('alice'));
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/alice requested this purge and cannot also approve it/);
    // Claiming another name does not help: the key says who signs.
    const posing = await runOps(['approve-purge', id, '--yes'], as('alice', { OPS_OPERATOR: 'Bob' }));
    expect(posing.code).toBe(1);
    expect(posing.stderr).toMatch(/alice requested this purge and cannot also approve it/);
    // An operator without a key on the workers' allow-list is refused too.
    const stranger = await runOps(['approve-purge', id, '--yes'], envFor(config, { OPS_OPERATOR: 'bob' }));
    expect(stranger.code).not.toBe(0);
    expect(stranger.stderr).toMatch(/no operator key at/);
    expect((await status(id)).stage).toBe('archived');

    const approved = await runOps(['approve-purge', id, '--yes', '--wait'], as('bob'), 120_000);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/stage\s+purged/);
    expect(await census(clients.s3, bucket, seed.prefix)).toMatchObject({ versions: 0, deleteMarkers: 0 });

    const certificate = await runOps(['certificate', id, '--json'], as('carol'));
    const cert = JSON.parse(certificate.stdout) as DeletionCertificate;
    expect(cert).toMatchObject({ customerId: id, requestRef: 'REQ-9', requestedBy: 'alice', approvedBy: 'bob' });
    expect(cert.manifest.totals.objectVersions).toBe(before.versions);
    const table = await runOps(['certificate', id], as('carol'));
    expect(table.stdout).toMatch(/manifest digest\s+sha256:[0-9a-f]{64}/);

    const audit = await runOps(['audit', '--customer', id], as('carol'));
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/alice\s+purge\.approve\s+customer:\S+\s+refused/);
    expect(audit.stdout).toMatch(/bob\s+purge\.approve\s+customer:\S+\s+ok/);
    expect(audit.stdout).toMatch(/trail intact: \d+ entries, hash chain verified/);
  });

  it('reinstates during the hold', async () => {
    const seed = await importCustomer(2);
    const id = seed.customer.id;
    expect((await runOps(['terminate-customer', id, '--reason', 'unpaid', '--hold', '30d', '--yes'], as('alice'))).code).toBe(0);
    const reinstated = await runOps(['reinstate-customer', id, '--reason', 'paid'], as('bob'));
    expect(reinstated.code, reinstated.stderr).toBe(0);
    expect(reinstated.stdout).toMatch(/stage\s+reinstated/);
    const shown = await runOps(['customers', 'show', id, '--json'], as('bob'));
    const customer = JSON.parse(shown.stdout) as { projects: { deleted: boolean; tokens: { revoked: boolean }[] }[] };
    expect(customer.projects.every((p) => !p.deleted && p.tokens.every((t) => !t.revoked))).toBe(true);
  });

  it('refuses bad input clearly and changes nothing', async () => {
    const unknown = await runOps(['terminate-customer', 'nobody-here', '--reason', 'x', '--hold', '1d', '--yes'], as('alice'));
    expect(unknown.code).toBe(67);
    expect(unknown.stderr).toMatch(/customer nobody-here is not in the inventory/);
    // Checked first: no lifecycle was started; the trail records the refusal, and nothing was terminated.
    expect((await runOps(['status', 'nobody-here'], as('alice'))).code).toBe(67);
    let trail = '';
    for (let i = 0; i < 50 && !/cli\.terminate-customer/.test(trail); i++) {
      trail = (await runOps(['audit', '--customer', 'nobody-here'], as('alice'))).stdout;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(trail).toMatch(/alice\s+cli\.terminate-customer\s+customer:nobody-here\s+refused\s+.*not in the inventory/);
    expect(trail).not.toMatch(/\sterminate\s/);

    for (const hold of ['99999999999999999999d', '0s']) {
      const unbounded = await runOps(['terminate-customer', 'nobody-here', '--reason', 'x', '--hold', hold, '--yes'], as('alice'));
      expect(unbounded.code, hold).toBe(64);
    }

    const malformed = await runOps(['terminate-customer', 'Bad_Id', '--reason', 'x', '--yes'], as('alice'));
    expect(malformed.code).toBe(64);
    expect(malformed.stderr).toMatch(/invalid customer id "Bad_Id"/);

    const noLifecycle = await runOps(['status', 'never-terminated'], as('alice'));
    expect(noLifecycle.code).toBe(67);

    const file = join(dir, 'bad.yaml');
    writeFileSync(file, stringify([{ id: 'ok-one', name: 'x', organization: 'y', resources: [{ kind: 's3', bucket: 'b-ucket', prefix: '' }] }, { id: 'BAD', name: 'x' }]));
    const invalid = await runOps(['customers', 'import', file], as('alice'));
    expect(invalid.code).toBe(65);
    expect(invalid.stderr).toMatch(/1\.id: lowercase letters/);

    // Overlap with an existing customer's prefix is refused by the inventory, all or nothing.
    const seed = await importCustomer(1);
    const overlapping = join(dir, 'overlap.yaml');
    writeFileSync(
      overlapping,
      stringify([
        { id: uniqueName('fine').replace(/_/g, '-'), name: 'Fine', organization: 'Fine', resources: [] },
        { id: uniqueName('grab').replace(/_/g, '-'), name: 'Grab', organization: 'Grab', resources: [{ kind: 's3', bucket, prefix: `${seed.prefix}sub/` }] },
      ]),
    );
    const refused = await runOps(['customers', 'import', overlapping], as('alice'));
    expect(refused.code).toBe(65);
    expect(refused.stderr).toMatch(/overlaps/);
    const list = await runOps(['customers', 'list', '--json'], as('alice'));
    expect((JSON.parse(list.stdout) as { id: string }[]).some((c) => c.id.startsWith('fine'))).toBe(false);
  });
});
