import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { customerSchema, type Customer, type CustomerDetail, type CustomerInput, type ResourceInput } from '../../common/customer.js';
import { configFor } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { formatTable, printJson } from '../output.js';
import { runRequest, withClient } from '../temporal.js';
import { customerIdArgument } from './lifecycle.js';

const customersSchema = z.array(customerSchema).min(1, 'no customers in the file');

/** Validates here for a clear message before anything is sent; the worker validates again. */
export function parseCustomersFile(path: string): CustomerInput[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, EXIT.DATA);
  }
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new CliError(`cannot parse ${path}: ${(err as Error).message}`, EXIT.DATA);
  }
  // A list, or a mapping with a `customers` list.
  const list = value && typeof value === 'object' && !Array.isArray(value) && 'customers' in value ? value.customers : value;
  const parsed = customersSchema.safeParse(list);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new CliError(`invalid customers file ${path} (nothing was imported):\n${issues.join('\n')}`, EXIT.DATA);
  }
  const customers = parsed.data;
  const s3Issues = customers.flatMap((customer, i) => s3ResourceIssues(customer.resources).map((issue) => `  ${i}.resources.${issue}`));
  if (s3Issues.length) throw new CliError(`invalid customers file ${path} (nothing was imported):\n${s3Issues.join('\n')}`, EXIT.DATA);
  const ids = customers.map((c) => c.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new CliError(`invalid customers file ${path}: customer ${duplicate} appears twice (nothing was imported)`, EXIT.DATA);
  return customers;
}

/**
 * The worker's rules for S3 locations (activities/inventory), checked here too so a file fails at once with
 * every problem listed, before anything is sent: a shared bucket needs a prefix, and a prefix ends in '/'.
 */
export function s3ResourceIssues(resources: Customer['resources']): string[] {
  return resources.flatMap((resource, i) => {
    if (resource.kind !== 's3') return [];
    if (resource.prefix === '' && !resource.dedicated) {
      return [`${i}: s3://${resource.bucket}/ is shared (dedicated: false): give the customer's prefix, ending in '/', or set dedicated: true for a bucket of its own`];
    }
    if (resource.prefix !== '' && (!resource.prefix.endsWith('/') || resource.prefix.startsWith('/'))) {
      return [`${i}.prefix: ${JSON.stringify(resource.prefix)} must end in '/' and not start with one (e.g. customers/acme/)`];
    }
    return [];
  });
}

function parseS3(value: string): ResourceInput {
  const match = /^(?:s3:\/\/)?([^/]+)\/?(.*)$/.exec(value);
  if (!match) throw new CliError(`--s3 ${value}: expected bucket or bucket/prefix/`, EXIT.USAGE);
  const prefix = match[2] ?? '';
  return { kind: 's3', bucket: match[1]!, prefix, dedicated: prefix === '' };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const IMPORT_FORMAT = `
The file: a list of customers, or a mapping with a \`customers:\` list. Each customer:

  id            lowercase letters, digits and inner dashes, 1-63 characters (acme, acme-eu)
  name          display name
  organization  the contracting party
  projects      list of {id, name, tokens}: id of letters, digits, _ and -; tokens is a list of
                API token ids (optional). Termination marks the projects deleted and revokes the tokens.
  resources     where its data lives, each with a kind:
    kind: s3        bucket, prefix, dedicated
                    a prefix in a shared bucket ends in '/' (customers/acme/): acme/ never reaches acme-corp/;
                    a bucket of its own is dedicated: true with no prefix
    kind: redshift  clusterId, dedicated (default true): snapshotted, then removed after the hold
    kind: rds       instanceId, dedicated (default true): the same for an RDS instance
                    dedicated: false records a shared cluster or instance, never removed for one customer

Nothing is imported if anything is wrong: an invalid field, an id that exists, a resource that is already
someone's, an S3 prefix overlapping another customer's. Exit status 65 then.

Example (a complete file: examples/customers.yaml in the repository):

  customers:
    - id: acme
      name: ACME Analytics
      organization: ACME Corp
      projects:
        - { id: acme-prod, name: Production, tokens: [tok-acme-prod-1] }
      resources:
        - { kind: s3, bucket: platform-shared-data, prefix: customers/acme/ }
        - { kind: s3, bucket: acme-exports, dedicated: true }
        - { kind: redshift, clusterId: acme-warehouse }
        - { kind: rds, instanceId: acme-orders }`;

export function registerCustomerCommands(program: Command): void {
  const customers = program.command('customers').description('the inventory: customers, projects, tokens and where their data lives');

  customers
    .command('add')
    .description('add one customer')
    .argument('<customer-id>', 'lowercase letters, digits and dashes', customerIdArgument)
    .requiredOption('--name <name>', 'display name')
    .option('--organization <org>', 'organization (default: the name)')
    .option('--project <id[:name]>', 'a project (repeatable)', collect)
    .option('--token <project:token-id>', 'an API token of a project (repeatable)', collect)
    .option('--s3 <bucket[/prefix/]>', 'S3 data: a whole dedicated bucket, or a prefix ending in / (repeatable)', collect)
    .option('--redshift <cluster-id>', 'a dedicated Redshift cluster (repeatable)', collect)
    .option('--rds <instance-id>', 'a dedicated RDS instance (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, options: { name: string; organization?: string; project?: string[]; token?: string[]; s3?: string[]; redshift?: string[]; rds?: string[]; json?: boolean }) {
      const projects = (options.project ?? []).map((p) => {
        const [projectId = '', name] = p.split(':');
        return { id: projectId, name: name || projectId, tokens: [] as string[] };
      });
      for (const token of options.token ?? []) {
        const [projectId, tokenId] = token.split(':');
        const project = projects.find((p) => p.id === projectId);
        if (!project || !tokenId) throw new CliError(`--token ${token}: expected <project:token-id> of a --project given`, EXIT.USAGE);
        project.tokens.push(tokenId);
      }
      const candidate = {
        id,
        name: options.name,
        organization: options.organization ?? options.name,
        projects,
        resources: [
          ...(options.s3 ?? []).map(parseS3),
          ...(options.redshift ?? []).map((clusterId) => ({ kind: 'redshift' as const, clusterId })),
          ...(options.rds ?? []).map((instanceId) => ({ kind: 'rds' as const, instanceId })),
        ],
      };
      const parsed = customerSchema.safeParse(candidate);
      if (!parsed.success) {
        throw new CliError(`invalid customer: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, EXIT.USAGE);
      }
      await addCustomers(this, [parsed.data], 'ops customers add', options.json);
    });

  customers
    .command('import')
    .description('add customers from a JSON or YAML file (a list, or {customers: [...]}); all or nothing')
    .argument('<file>', 'the file (.json is read as JSON, anything else as YAML)')
    .option('--json', 'print JSON')
    .addHelpText('after', IMPORT_FORMAT)
    .action(async function (this: Command, file: string, options: { json?: boolean }) {
      await addCustomers(this, parseCustomersFile(file), `ops customers import ${file}`, options.json);
    });

  customers
    .command('list')
    .description('list the customers with their stage')
    .option('--json', 'print JSON')
    .action(async function (this: Command, options: { json?: boolean }) {
      const { config } = configFor(this);
      type Row = { id: string; name: string; organization: string; stage: string | null; projects: number; activeTokens: number; resources: number };
      const rows = await withClient(config, (client) => runRequest<Row[]>(client, config, 'listCustomersWorkflow'));
      if (options.json) return printJson(rows);
      const table = rows.map((c) => [c.id, c.name, c.organization, c.stage ?? 'active', c.projects, c.activeTokens, c.resources]);
      process.stdout.write(`${formatTable(['ID', 'NAME', 'ORGANIZATION', 'STAGE', 'PROJECTS', 'TOKENS', 'RESOURCES'], table)}\n`);
    });

  customers
    .command('show')
    .description('one customer: projects, tokens and resources')
    .argument('<customer-id>', 'the customer', customerIdArgument)
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, options: { json?: boolean }) {
      const { config } = configFor(this);
      const customer = await withClient(config, (client) => runRequest<CustomerDetail>(client, config, 'showCustomerWorkflow', [{ customerId: id }]));
      if (options.json) return printJson(customer);
      process.stdout.write(`${customer.id}  ${customer.name} (${customer.organization})  stage: ${customer.stage ?? 'active'}\n\n`);
      const projects = customer.projects.flatMap((p) =>
        (p.tokens.length ? p.tokens : [null]).map((t) => [p.id, p.name, p.deleted ? 'deleted' : 'live', t?.id ?? '-', t ? (t.revoked ? 'revoked' : 'live') : '-']),
      );
      process.stdout.write(`${formatTable(['PROJECT', 'NAME', 'STATE', 'TOKEN', 'TOKEN STATE'], projects)}\n\n`);
      const resources = customer.resources.map((r) => [
        r.kind,
        r.kind === 's3' ? `s3://${r.bucket}/${r.prefix ?? ''}` : r.kind === 'redshift' ? r.clusterId : r.instanceId,
        r.dedicated === false ? 'shared' : 'dedicated',
        r.removed ? 'removed' : 'present',
      ]);
      process.stdout.write(`${formatTable(['KIND', 'WHERE', 'TENANCY', 'STATE'], resources)}\n`);
    });
}

async function addCustomers(command: Command, customers: CustomerInput[], source: string, json?: boolean): Promise<void> {
  const { config } = configFor(command);
  const result = await withClient(config, (client) =>
    runRequest<{ added: string[] }>(client, config, 'addCustomersWorkflow', [{ customers, operator: config.operator.id, source }]),
  );
  if (json) return printJson(result);
  process.stdout.write(`added ${result.added.length} customer${result.added.length === 1 ? '' : 's'}: ${result.added.join(', ')}\n`);
}
