import { ActivityFailure, ApplicationFailure, TimeoutFailure, log, sleep, workflowInfo } from '@temporalio/workflow';
import type { LifecycleState } from '../../common/lifecycle-messages.js';
import { records } from './activities.js';

/** How long a stuck stage waits before it tries again. */
const RETRY_AFTER = '10 minutes';

/**
 * Runs one stage's work; when an AWS step gave up after its retry budget, the stage is reported stuck through
 * the suite's one "report a problem" function (the incidents capability pages from it) and tried again later,
 * resuming from the cursors in the state. A non-retryable failure still fails the lifecycle.
 */
export async function persist<T>(state: LifecycleState, work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      const result = await work();
      if (state.stuck) {
        await records.resolveProblem(state.stuck.cause);
        delete state.stuck;
      }
      return result;
    } catch (err) {
      if (!isGaveUp(err)) throw err;
      const cause = `${workflowInfo().workflowId}:stuck:${state.stage}`;
      state.stuck ??= { stage: state.stage, since: new Date().toISOString(), cause };
      log.warn('lifecycle stage stuck', { customerId: state.customerId, stage: state.stage });
      await records.reportProblem({
        cause,
        source: 'lifecycle',
        severity: 'error',
        summary: `lifecycle of ${state.customerId} stuck in ${state.stage} since ${state.stuck.since}`,
        details: { workflowId: workflowInfo().workflowId, stage: state.stage, error: rootMessage(err) },
      });
      await sleep(RETRY_AFTER);
    }
  }
}

/** An activity that ran out of its retry budget (attempts or time), retrying an error that never went away. */
function isGaveUp(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  if (err.retryState === 'MAXIMUM_ATTEMPTS_REACHED' || err.retryState === 'TIMEOUT') return true;
  let cause: unknown = err.cause;
  while (cause instanceof Error) {
    if (cause instanceof TimeoutFailure) return true;
    if (cause instanceof ApplicationFailure && cause.nonRetryable) return false;
    cause = cause.cause;
  }
  return false;
}

/** The innermost message: what an operator needs, not the Temporal wrapping. */
export function rootMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
