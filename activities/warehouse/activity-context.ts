import { asyncLocalStorage } from '@temporalio/activity';

/** How often a long wait tells Temporal the worker is alive; the SDK throttles to the heartbeat timeout anyway. */
const HEARTBEAT_EVERY_MS = 5_000;

// The activity context is looked up, not required, so the functions also run outside a worker (scripts, tests).
export function heartbeat(details?: unknown): void {
  asyncLocalStorage.getStore()?.heartbeat(details);
}

export function logInfo(message: string, attrs: Record<string, unknown>): void {
  asyncLocalStorage.getStore()?.log.info(message, attrs);
}

/**
 * Runs a wait (an SDK waiter) while heartbeating, and hands it the activity's cancellation signal, so a
 * cancelled or timed-out activity stops polling AWS instead of waiting on in the background.
 */
export async function whileHeartbeating<T>(details: unknown, wait: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  heartbeat(details);
  const timer = setInterval(() => heartbeat(details), HEARTBEAT_EVERY_MS);
  try {
    return await wait(asyncLocalStorage.getStore()?.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
