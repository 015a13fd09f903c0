import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { CUSTOMER_ID_PATTERN } from '../common/customer.js';
import { loadConfig } from '../common/config.js';
import { workflowIds } from '../common/workflow-ids.js';
import { CliError, EXIT } from './exit-codes.js';

/** Commands that change something: their refusals belong in the audit trail (read-only commands' do not). */
const AUDITED = new Set(['terminate-customer', 'reinstate-customer', 'purge-customer', 'approve-purge', 'approve-hold', 'add', 'import']);
/** Refusals, not outages: with Temporal unreachable or the config broken there is nowhere to record anything. */
const REFUSAL_EXITS = new Set<number>([EXIT.FAILURE, EXIT.USAGE, EXIT.DATA, EXIT.NOT_FOUND, EXIT.NOPERM]);
/** Recording a refusal must not keep the operator waiting. */
const AUDIT_CONNECT_MS = 2_000;

let action: { name: string; args: string[]; globals: { config?: string } } | undefined;

/** Remembers which command runs (a preAction hook), so a refusal can name it. */
export function rememberAction(actionCommand: Command): void {
  action = { name: actionCommand.name(), args: actionCommand.args, globals: actionCommand.optsWithGlobals<{ config?: string }>() };
}

/**
 * Records a refusal the CLI decided itself as an audit row, through a short request workflow started and left
 * to the worker (starting needs only Temporal, not a worker). Best effort: the refusal is reported to the
 * operator whether or not this succeeds.
 */
export async function auditRefusal(err: unknown): Promise<void> {
  if (!(err instanceof CliError) || !action || !AUDITED.has(action.name) || !REFUSAL_EXITS.has(err.exitCode)) return;
  // A refusal from a workflow (it has a cause) is already in the trail, written by the workflow itself.
  if (err.cause !== undefined) return;
  try {
    const { config } = loadConfig(action.globals.config ? { configPath: action.globals.config } : {});
    const [{ connectClient }, { recordCliRefusalWorkflow }] = await Promise.all([
      import('../common/temporal-connection.js'),
      import('../workflows/requests.js'),
    ]);
    const client = await connectClient(config, { connectTimeoutMs: AUDIT_CONNECT_MS });
    try {
      const customerId = action.args.find((a) => CUSTOMER_ID_PATTERN.test(a));
      await client.withDeadline(Date.now() + AUDIT_CONNECT_MS, () =>
        client.workflow.start(recordCliRefusalWorkflow, {
          taskQueue: config.temporal.taskQueue,
          workflowId: workflowIds.request('recordCliRefusal', randomUUID()),
          args: [{ operator: config.operator.id, command: action!.name, ...(customerId ? { customerId } : {}), why: err.message, exitCode: err.exitCode }],
          workflowExecutionTimeout: '1 hour',
        }),
      );
    } finally {
      await client.connection.close();
    }
  } catch {
    // Nowhere to record it (no Temporal, a broken config): the operator still sees the refusal itself.
  }
}
