import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { DeletionManifest } from '../common/manifest.js';
import { records } from './lifecycle/activities.js';
import { buildManifest } from './lifecycle/manifest.js';

// Short workflows behind the CLI's inventory, audit and certificate commands: the CLI speaks only to
// Temporal, the worker holds the database credentials, and every change is audited on the way.

interface Operator {
  operator: string;
}

/** The failure's own message, for the audit trail (the activity failure wraps it). */
function rootMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

async function audited<T>(action: string, target: string, operator: string, details: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
  const key = `${workflowInfo().workflowId}/${workflowInfo().runId}`;
  try {
    const result = await work();
    await records.recordAudit({ actor: operator, action, target, outcome: 'ok', details, idempotencyKey: key });
    return result;
  } catch (err) {
    await records.recordAudit({ actor: operator, action, target, outcome: 'refused', details: { ...details, why: rootMessage(err) }, idempotencyKey: key });
    throw err;
  }
}

export async function addCustomersWorkflow(input: Operator & { customers: unknown[]; source: string }): Promise<{ added: string[] }> {
  const ids = input.customers.map((c) => (c && typeof c === 'object' && 'id' in c ? String(c.id) : '?'));
  return audited('customers.add', `customers:${ids.join(',').slice(0, 200)}`, input.operator, { source: input.source, ids }, () =>
    records.addCustomers(input.customers),
  );
}

export async function listCustomersWorkflow() {
  return records.listCustomers();
}

export async function showCustomerWorkflow(input: { customerId: string }) {
  const customer = await records.showCustomer(input.customerId);
  if (!customer) throw ApplicationFailure.nonRetryable(`customer ${input.customerId} is not in the inventory`, 'UnknownCustomer');
  return customer;
}

export async function readAuditWorkflow(input: { customerId?: string; limit?: number }) {
  const [entries, chain] = await Promise.all([
    records.readAudit({ ...(input.customerId ? { target: `customer:${input.customerId}` } : {}), ...(input.limit ? { limit: input.limit } : {}) }),
    records.verifyAuditChain(),
  ]);
  return { entries, chain };
}

export async function readCertificateWorkflow(input: { customerId: string }) {
  const certificate = await records.getCertificate(input.customerId);
  if (!certificate) throw ApplicationFailure.nonRetryable(`no deletion certificate for customer ${input.customerId}`, 'NotFound');
  return certificate;
}

/** `ops purge-customer --dry-run`: exactly what a purge would delete now; changes nothing. */
export async function purgePlanWorkflow(input: Operator & { customerId: string }): Promise<DeletionManifest> {
  return audited('purge.dry-run', `customer:${input.customerId}`, input.operator, {}, async () => {
    const { resources } = await records.loadLifecycleSubject(input.customerId);
    return buildManifest(input.customerId, resources);
  });
}

/**
 * A refusal the CLI decided itself (a hold out of bounds, an unknown customer, nothing to approve): recorded like
 * every other refusal, so the trail shows what was attempted and why it was refused.
 */
export async function recordCliRefusalWorkflow(input: Operator & { command: string; customerId?: string; why: string; exitCode: number }): Promise<void> {
  const target = input.customerId ? `customer:${input.customerId}` : 'cli';
  await records.recordAudit({
    actor: String(input.operator).slice(0, 64),
    action: `cli.${String(input.command).slice(0, 40)}`,
    target,
    outcome: 'refused',
    details: { why: String(input.why).slice(0, 500), exitCode: input.exitCode },
    idempotencyKey: `${workflowInfo().workflowId}/${workflowInfo().runId}`,
  });
}
