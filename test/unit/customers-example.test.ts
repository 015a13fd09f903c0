import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listCustomers } from '../../activities/inventory/customers.js';
import { parseCustomersFile } from '../../cli/commands/customers.js';
import { CliError } from '../../cli/exit-codes.js';
import { customerSchema } from '../../common/customer.js';
import { inventoryDatabase } from '../helpers/inventory.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/customers.yaml', import.meta.url));

describe('examples/customers.yaml', () => {
  it('is valid: every customer passes the inventory schema, with every kind of resource', () => {
    const customers = parseCustomersFile(EXAMPLE);
    expect(customers.map((c) => c.id)).toEqual(['acme', 'globex']);
    for (const customer of customers) expect(customerSchema.safeParse(customer).success).toBe(true);
    const kinds = new Set(customers.flatMap((c) => (c.resources ?? []).map((r) => r.kind)));
    expect([...kinds].sort()).toEqual(['rds', 'redshift', 's3']);
  });

  it('is importable: the inventory takes it as a whole', async () => {
    const database = await inventoryDatabase(parseCustomersFile(EXAMPLE));
    try {
      const rows = await listCustomers(database.pool);
      expect(rows.map((r) => [r.id, r.projects, r.activeTokens, r.resources])).toEqual([
        ['acme', 2, 2, 4],
        ['globex', 1, 1, 2],
      ]);
    } finally {
      await database.close();
    }
  });

  it('is what a bad file is measured against: a prefix without its trailing / and a shared bucket without a prefix are refused, all listed', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ops-customers-')), 'bad.yaml');
    writeFileSync(
      file,
      'customers:\n  - id: acme\n    name: A\n    organization: A\n    resources:\n      - { kind: s3, bucket: shared-bucket, prefix: customers/acme }\n      - { kind: s3, bucket: other-bucket }\n',
    );
    let error: unknown;
    try {
      parseCustomersFile(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(65);
    expect((error as CliError).message).toMatch(/0\.resources\.0\.prefix: "customers\/acme" must end in '\/'/);
    expect((error as CliError).message).toMatch(/0\.resources\.1: s3:\/\/other-bucket\/ is shared/);
  });
});
