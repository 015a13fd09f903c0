import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Stage } from '../../common/lifecycle.js';
import { statusQuery, type LifecycleStatus } from '../../common/lifecycle-messages.js';
import type { Config } from '../../common/config.js';
import { temporalUiLink, workflowIds } from '../../common/workflow-ids.js';
import { formatDuration } from '../durations.js';
import { CliError, EXIT } from '../exit-codes.js';
import { callTimeoutMs } from '../temporal.js';

/** The Temporal UI page of a customer's lifecycle. */
export function lifecycleLink(config: Config, customerId: string): string {
  return temporalUiLink(config.temporal.uiUrl, config.temporal.namespace, workflowIds.lifecycle(customerId));
}

export function lifecycleHandle(client: Client, customerId: string): WorkflowHandle {
  return client.workflow.getHandle(workflowIds.lifecycle(customerId));
}

/** The lifecycle's status, or a clear "not found" when the customer was never terminated. */
export async function queryStatus(handle: WorkflowHandle, customerId: string): Promise<LifecycleStatus> {
  try {
    return await handle.query(statusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new CliError(`customer ${customerId} has no lifecycle: it was never terminated (ops terminate-customer ${customerId})`, EXIT.NOT_FOUND);
    }
    throw err;
  }
}

/**
 * Polls the status until `done` says so, reporting each change; if the workflow closes first
 * (failed, or finished), its result or failure decides. Returns the last status seen.
 * The wait has its own limit (`timeoutMs`); each poll has the command's --timeout, so a missing worker
 * fails the first poll instead of stalling the whole wait.
 */
export async function waitForStatus(
  handle: WorkflowHandle,
  customerId: string,
  done: (status: LifecycleStatus) => boolean,
  onStatus: (status: LifecycleStatus) => void,
  options: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<LifecycleStatus> {
  const limitMs = options.timeoutMs ?? 10 * 60_000;
  const deadline = Date.now() + limitMs;
  for (;;) {
    const { description, status } = await handle.client.withDeadline(Date.now() + callTimeoutMs(), async () => {
      const description = await handle.describe();
      if (description.status.name === 'FAILED' || description.status.name === 'TERMINATED' || description.status.name === 'TIMED_OUT') {
        await handle.result(); // throws the workflow's failure, mapped to an exit code by the caller
      }
      return { description, status: await queryStatus(handle, customerId) };
    });
    onStatus(status);
    if (done(status) || description.status.name !== 'RUNNING') return status;
    if (Date.now() > deadline) {
      throw new CliError(`still ${status.stage} after ${formatDuration(limitMs / 1000)}; follow with: ops status ${customerId} --watch`, EXIT.FAILURE);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}

export const SETTLED_STAGES: readonly Stage[] = ['held', 'archived', 'reinstated', 'purged'];
