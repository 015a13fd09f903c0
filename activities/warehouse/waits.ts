/**
 * The longest one attempt waits on AWS (a cluster's deletion with its final snapshot can take longer).
 * Kept below the activities' start-to-close timeout (15 min in workflows/lifecycle), so the waiter gives up
 * cleanly first; the retry, being idempotent, resumes the wait.
 */
export const WAIT_SECONDS = 10 * 60;
