import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { HealthCheck } from '../common/health.js';

// A probe that fails is an answer, not an error: no retries, short timeouts.
const { checkAws, checkDatabase } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
});

/** The worker-side half of `ops doctor`: AWS and the database, seen from where the work runs. */
export async function doctorWorkflow(): Promise<HealthCheck[]> {
  const [aws, database] = await Promise.all([checkAws(), checkDatabase()]);
  return [...aws, ...database];
}
