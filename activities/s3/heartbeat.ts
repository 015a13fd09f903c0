import { Context } from '@temporalio/activity';

/** The activity's context, or undefined outside an activity (tests and scripts call the functions directly). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Heartbeats when running as an activity. The SDK throttles heartbeats, so calling this per key is cheap. */
export function heartbeat(details?: unknown): void {
  activityContext()?.heartbeat(details);
}

/**
 * Options for `s3.send`: the activity's cancellation signal, so a cancelled activity stops its request at once
 * instead of finishing a copy nobody waits for. Empty outside an activity.
 */
export function sendOptions(): { abortSignal?: AbortSignal } {
  const context = activityContext();
  return context ? { abortSignal: context.cancellationSignal } : {};
}

/** Throws the cancellation if the activity was cancelled: called between keys, where stopping is clean. */
export function throwIfCancelled(): void {
  activityContext()?.cancellationSignal.throwIfAborted();
}

/** Heartbeat period: a third of the heartbeat timeout, so one late beat does not time the activity out. */
function heartbeatPeriodMs(context: Context): number {
  const timeout = context.info.heartbeatTimeoutMs;
  return timeout ? Math.max(timeout / 3, 10) : 10_000;
}

/**
 * Runs `work` while heartbeating `details()` on a timer, not only when a key completes: one multipart copy of
 * a large object can take longer than the heartbeat timeout, and without heartbeats the activity would be
 * declared lost (and a cancellation would never reach it).
 */
export async function withHeartbeats<T>(details: () => unknown, work: () => Promise<T>): Promise<T> {
  const context = activityContext();
  if (!context) return work();
  const timer = setInterval(() => context.heartbeat(details()), heartbeatPeriodMs(context));
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
