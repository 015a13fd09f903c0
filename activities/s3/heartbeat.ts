import { Context } from '@temporalio/activity';

/**
 * Heartbeats when running as an activity, does nothing otherwise (tests and scripts call the functions
 * directly). The SDK throttles heartbeats, so calling this per key is cheap.
 */
export function heartbeat(details?: unknown): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return; // not inside an activity
  }
  context.heartbeat(details);
}
