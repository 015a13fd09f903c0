import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { Config } from '../common/config.js';
import { connectClient } from '../common/temporal-connection.js';
import { workflowIds } from '../common/workflow-ids.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';

/** Runs `work` with a connected client; an unreachable Temporal is the "unavailable" exit. */
export async function withClient<T>(config: Config, work: (client: Client) => Promise<T>): Promise<T> {
  let client: Client;
  try {
    client = await connectClient(config);
  } catch (err) {
    throw new CliError(`cannot reach Temporal at ${config.temporal.address}: ${(err as Error).message}`, EXIT.UNAVAILABLE);
  }
  try {
    return await work(client);
  } catch (err) {
    throw toCliError(err);
  } finally {
    await client.connection.close();
  }
}

// Failure types raised by activities and handlers, and what they mean to a script.
const EXIT_BY_TYPE: Record<string, ExitCode> = {
  InvalidCustomer: EXIT.DATA,
  InventoryConflict: EXIT.DATA,
  UnknownCustomer: EXIT.NOT_FOUND,
  NotFound: EXIT.NOT_FOUND,
  CustomerPurged: EXIT.FAILURE,
  Refused: EXIT.FAILURE,
  OwnershipViolation: EXIT.FAILURE,
};

/** The innermost application failure: the message an operator needs, not the Temporal wrapping. */
export function rootFailure(err: unknown): { message: string; type?: string } {
  let current: unknown = err;
  let found: ApplicationFailure | undefined;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) found = current;
    current = current.cause;
  }
  if (found) return { message: found.message, ...(found.type ? { type: found.type } : {}) };
  return { message: err instanceof Error ? err.message : String(err) };
}

export function toCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof WorkflowFailedError || err instanceof WorkflowUpdateFailedError) {
    const failure = rootFailure(err);
    return new CliError(failure.message, (failure.type && EXIT_BY_TYPE[failure.type]) || EXIT.FAILURE);
  }
  if (err instanceof WorkflowNotFoundError) return new CliError(err.message, EXIT.NOT_FOUND);
  return err;
}

/** Runs one of the short request workflows (inventory, audit, certificates, purge plans) and returns its result. */
export async function runRequest<T>(client: Client, config: Config, workflowType: string, args: unknown[] = []): Promise<T> {
  return (await client.workflow.execute(workflowType, {
    taskQueue: config.temporal.taskQueue,
    workflowId: workflowIds.request(workflowType.replace(/Workflow$/, ''), randomUUID()),
    args,
    // A request that no worker picks up must not hang the CLI forever.
    workflowExecutionTimeout: '5 minutes',
  })) as T;
}
