import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { customerSchema, type CustomerDetail, type CustomerInput, type ResourceInput } from '../../common/customer.js';
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
  const ids = customers.map((c) => c.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new CliError(`invalid customers file ${path}: customer ${duplicate} appears twice (nothing was imported)`, EXIT.DATA);
  return customers;
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
    .argument('<file>', 'the file')
    .option('--json', 'print JSON')
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
