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
 * AWS steps: one page per call, heartbeating; a lost worker is noticed within the heartbeat timeout. An error
 * that keeps coming back stops being retried after two hours: the stage then reports itself stuck (stuck.ts)
 * instead of retrying silently forever.
 */
export const aws = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  scheduleToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * Archive pages copy objects of any size (a multipart copy of a 1 TiB object takes hours): their time is bounded
 * by heartbeats, not by start-to-close; a stuck page still surfaces through the schedule-to-close budget.
 */
export const archivePages = proxyActivities<Activities>({
  startToCloseTimeout: '12 hours',
  scheduleToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', nonRetryableErrorTypes: NON_RETRYABLE },
});
