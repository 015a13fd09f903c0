import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, readAudit, verifyAuditChain, PSEUDONYMISED } from '../../activities/audit/audit-log.js';
import { migrate } from '../../activities/database/migrate.js';
import { forgetCustomerInventory } from '../../activities/inventory/access.js';
import { addCustomers } from '../../activities/inventory/customers.js';
import { customerSchema } from '../../common/customer.js';
import { BACKENDS, openBackend } from '../helpers/inventory.js';

// A purge removes what the trail knows about a person (reasons, the customer's name) without breaking the chain.
describe.each(BACKENDS)('personal fields of the audit trail on %s', (backend) => {
  let db: pg.Pool;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openBackend(backend));
    await migrate(db);
    await addCustomers(db, [customerSchema.parse({ id: 'acme', name: 'Acme Ltd', organization: 'Acme Group', projects: [{ id: 'p1', name: 'Main' }] })]);
  });
  afterAll(async () => close?.());

  it('keeps reasons apart from the chain and removes them at purge; the chain still verifies', async () => {
    const written = await appendAudit(db, { actor: 'alice', action: 'terminate', target: 'customer:acme', outcome: 'started', details: { reason: 'Jane Doe asked by phone', ticket: 'T-1' } });
    await appendAudit(db, { actor: 'bob', action: 'terminate', target: 'customer:acme-corp', outcome: 'started', details: { reason: 'a neighbour' } });
    expect(written.details).toEqual({ reason: 'Jane Doe asked by phone', ticket: 'T-1' });
    // What the chain stores (and hashes) is a salted digest, never the text.
    const { rows } = await db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE seq = $1`, [written.seq]);
    expect(JSON.stringify(rows[0]!.details)).not.toContain('Jane');
    expect(rows[0]!.details.reason).toEqual({ personal: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });

    const forgotten = await forgetCustomerInventory(db, 'acme');
    expect(forgotten.personalAuditValues).toBe(1);
    const [entry] = await readAudit(db, { target: 'customer:acme' });
    expect(entry!.details).toEqual({ reason: PSEUDONYMISED, ticket: 'T-1' });
    // Another customer's entries keep their reasons; the chain is intact.
    expect((await readAudit(db, { target: 'customer:acme-corp' }))[0]!.details.reason).toBe('a neighbour');
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, entries: 2 });
    const customer = await db.query<{ name: string; organization: string }>(`SELECT name, organization FROM customers WHERE id = 'acme'`);
    expect(customer.rows[0]!.name).toMatch(/^pseudonym:[0-9a-f]{16}$/);
    expect(customer.rows[0]!.organization).toMatch(/^pseudonym:[0-9a-f]{16}$/);
    // A retried purge changes nothing more.
    expect((await forgetCustomerInventory(db, 'acme')).personalAuditValues).toBe(0);
    expect((await db.query<{ name: string }>(`SELECT name FROM customers WHERE id = 'acme'`)).rows[0]!.name).toBe(customer.rows[0]!.name);
  });
});
