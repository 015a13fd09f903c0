import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { NON_RETRYABLE_TYPES } from '../../common/failures.js';

// Errors that no retry can fix: the activities throw them non-retryable; listed here too as a second guard.
export const NON_RETRYABLE = NON_RETRYABLE_TYPES;

/** Database steps: quick, retried with backoff until the database is back. */
export const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * How long an AWS step retries an error that keeps coming back before the stage reports itself stuck (stuck.ts)
 * instead of retrying silently forever: about 1.7 hours of attempts (10 s, 20 s, … then every 10 minutes; the
 * SDK's own client retries take care of blips first), bounded by attempts as well as by the two-hour
 * schedule-to-close, so it holds on every server, the time-skipping test server included.
 */
const STEP_RETRY = { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 16, nonRetryableErrorTypes: NON_RETRYABLE };

/** AWS steps: one page per call, heartbeating; a lost worker is noticed within the heartbeat timeout. */
export const aws = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  scheduleToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: STEP_RETRY,
});

/**
 * Archive pages copy objects of any size (a multipart copy of a 1 TiB object takes hours): their time is bounded
 * by heartbeats, not by start-to-close; a stuck page still surfaces through the schedule-to-close budget.
 */
export const archivePages = proxyActivities<Activities>({
  startToCloseTimeout: '12 hours',
  scheduleToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  retry: STEP_RETRY,
});
