import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, readAudit, verifyAuditChain } from '../../activities/audit/audit-log.js';
import { getCertificate, issueCertificate } from '../../activities/certificates.js';
import { migrate, schemaStatus } from '../../activities/database/migrate.js';
import { LATEST_SCHEMA_VERSION } from '../../activities/database/migrations.js';
import { liveAccess, restoreInventoryAccess, revokeInventoryAccess } from '../../activities/inventory/access.js';
import { createRecordActivities } from '../../activities/audit/index.js';
import { addCustomers, listCustomers, showCustomer } from '../../activities/inventory/customers.js';
import { createInventoryActivities } from '../../activities/inventory/index.js';
import { customerSchema, type CustomerInput } from '../../common/customer.js';
import { BACKENDS, openBackend } from '../helpers/inventory.js';

const acme: CustomerInput = {
  id: 'acme',
  name: 'Acme',
  organization: 'Acme Inc',
  projects: [{ id: 'p1', name: 'Main', tokens: ['t1', 't2'] }],
  resources: [
    { kind: 's3', bucket: 'shared-data', prefix: 'acme/' },
    { kind: 'redshift', clusterId: 'acme-dw' },
  ],
};
const parse = (c: CustomerInput) => customerSchema.parse(c);

// One schema, one dialect: every inventory and record test runs on the production database (PostgreSQL)
// and on the embedded one of `ops dev` (PGlite).
describe.each(BACKENDS)('inventory and records on %s', (backend) => {
  let db: pg.Pool;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openBackend(backend));
  });
  afterAll(async () => close?.());

  it('migrates once, also when migrations race', async () => {
    const runs = await Promise.all([migrate(db), migrate(db)]);
    expect(runs.flat().sort()).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
    expect((await schemaStatus(db)).pending).toEqual([]);
  });

  it('adds customers all or nothing, refusing overlaps with another customer', async () => {
    await addCustomers(db, [parse(acme)]);
    const grab = parse({ id: 'acme-corp', name: 'Corp', organization: 'Corp', resources: [{ kind: 's3', bucket: 'shared-data', prefix: 'acme/corp/' }] });
    const fine = parse({ id: 'fine', name: 'Fine', organization: 'Fine' });
    const error = await addCustomers(db, [fine, grab]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).message).toMatch(/overlaps s3:\/\/shared-data\/acme\/ of customer acme/);
    // acme-corp/ beside acme/ is no overlap.
    await addCustomers(db, [fine, parse({ ...grab, resources: [{ kind: 's3', bucket: 'shared-data', prefix: 'acme-corp/' }] })]);
    expect((await listCustomers(db)).map((c) => c.id)).toEqual(['acme', 'acme-corp', 'fine']);
    expect(await showCustomer(db, 'acme')).toMatchObject({ projects: [{ id: 'p1', tokens: [{ id: 't1', revoked: false }, { id: 't2', revoked: false }] }] });
  });

  it('revokes access and restores exactly what it revoked', async () => {
    await db.query(`UPDATE api_tokens SET revoked_at = now() WHERE customer_id = 'acme' AND id = 't2'`);
    expect(await revokeInventoryAccess(db, 'acme')).toEqual({ projects: 1, tokens: 1 });
    expect(await revokeInventoryAccess(db, 'acme')).toEqual({ projects: 0, tokens: 0 });
    expect(await liveAccess(db, 'acme')).toEqual({ projects: 0, tokens: 0 });
    expect(await restoreInventoryAccess(db, 'acme')).toEqual({ projects: 1, tokens: 1 });
    // t2 was revoked before termination: it stays revoked.
    expect(await liveAccess(db, 'acme')).toEqual({ projects: 1, tokens: 1 });
  });

  it('keeps a hash-chained audit trail that detects an edited entry', async () => {
    await appendAudit(db, { actor: 'alice', action: 'terminate', target: 'customer:acme', outcome: 'started', details: { b: 1, a: 'x' } });
    const once = await appendAudit(db, { actor: 'bob', action: 'purge.approve', target: 'customer:acme', outcome: 'refused', idempotencyKey: 'k1' });
    const twice = await appendAudit(db, { actor: 'bob', action: 'purge.approve', target: 'customer:acme', outcome: 'refused', idempotencyKey: 'k1' });
    expect(twice.seq).toBe(once.seq);
    expect((await readAudit(db, { target: 'customer:acme' })).map((e) => e.action)).toEqual(['terminate', 'purge.approve']);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, entries: 2 });
    await db.query(`UPDATE audit_log SET outcome = 'ok' WHERE seq = $1`, [once.seq]);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: once.seq });
  });

  it('stores a deletion certificate once, with the digest of its manifest', async () => {
    const manifest = { customerId: 'acme', s3: [], warehouses: [], totals: { objectVersions: 3, deleteMarkers: 1, bytes: 10, clusters: 0, instances: 0, snapshots: 1 } };
    const draft = {
      id: 'acme-cert', customerId: 'acme', requestRef: 'R', requestedBy: 'alice', requestedAt: '2026-01-01T00:00:00.000Z',
      approvedBy: 'bob', approvedAt: '2026-01-01T01:00:00.000Z', purgeStartedAt: '2026-01-01T01:00:00.000Z',
      purgeFinishedAt: '2026-01-01T02:00:00.000Z', manifest, verification: { verifiedAt: '2026-01-01T02:00:00.000Z', s3Remaining: 0, warehouseRemaining: [] },
    };
    const first = await issueCertificate(db, draft);
    const again = await issueCertificate(db, draft);
    expect(again).toEqual(first);
    expect(first.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await getCertificate(db, 'acme')).toEqual(first);
  });

  it('keeps the audit chain intact under concurrent appends, retried ones recorded once', async () => {
    const records = createRecordActivities({ db });
    // The chain was broken on purpose above: start from a clean trail.
    await db.query('DELETE FROM audit_personal');
    await db.query('DELETE FROM audit_log');
    const appended = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        records.recordAudit({ actor: 'worker', action: 'step', target: 'customer:fine', outcome: 'ok', details: { i: i % 6 }, idempotencyKey: `step-${i % 6}` }),
      ),
    );
    const seqs = [...new Set(appended.map((r) => r.seq))].sort((a, b) => a - b);
    expect(seqs).toHaveLength(6);
    expect(await records.verifyAuditChain()).toEqual({ ok: true, entries: 6 });
    expect((await records.readAudit({ target: 'customer:fine', limit: 3 })).map((r) => r.seq)).toEqual(seqs.slice(-3));
  });

  it('runs the inventory activities a lifecycle calls, side by side as concurrent lifecycles do', async () => {
    const inventory = createInventoryActivities({ db });
    await expect(inventory.addCustomers([{ id: 'Bad!', name: 'x', organization: 'x' }])).rejects.toMatchObject({ type: 'InvalidCustomer', nonRetryable: true });
    await inventory.addCustomers([
      { id: 'beta', name: 'Beta', organization: 'Beta', projects: [{ id: 'p', name: 'P', tokens: ['t'] }], resources: [{ kind: 's3', bucket: 'shared-data', prefix: 'beta/' }] },
    ]);
    const subject = await inventory.loadLifecycleSubject('beta');
    expect(subject.resources).toEqual([expect.objectContaining({ kind: 's3', bucket: 'shared-data', prefix: 'beta/', customerId: 'beta' })]);
    // Two customers at once: each revocation in its own transaction (on PGlite, one after the other).
    const [beta, fine] = await Promise.all([
      inventory.revokeInventoryAccess('beta'),
      inventory.revokeInventoryAccess('fine'),
      inventory.setCustomerStage('beta', 'held'),
    ]);
    expect(beta).toEqual({ projects: 1, tokens: 1 });
    expect(fine).toEqual({ projects: 0, tokens: 0 });
    expect(await inventory.liveAccess('beta')).toEqual({ projects: 0, tokens: 0 });
    expect((await inventory.listCustomers()).find((c) => c.id === 'beta')).toMatchObject({ stage: 'held', projects: 0, activeTokens: 0 });

    await db.query(`INSERT INTO bucket_policy_backups (customer_id, bucket, policy) VALUES ('beta', 'shared-data', NULL)`);
    expect(await inventory.forgetCustomerInventory('beta')).toMatchObject({ projects: 1, tokens: 1 });
    await inventory.markResourcesRemoved('beta', subject.resources.map((r) => r.id));
    await inventory.setCustomerStage('beta', 'purged');
    expect(await inventory.showCustomer('beta')).toMatchObject({ projects: [], resources: [{ removed: true }] });
    expect((await db.query(`SELECT 1 FROM bucket_policy_backups WHERE customer_id = 'beta'`)).rowCount).toBe(0);
    await expect(inventory.loadLifecycleSubject('beta')).rejects.toMatchObject({ type: 'CustomerPurged', nonRetryable: true });
    await expect(inventory.loadLifecycleSubject('nobody')).rejects.toMatchObject({ type: 'UnknownCustomer', nonRetryable: true });
  });
});
