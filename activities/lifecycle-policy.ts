import type { LifecyclePolicy } from '../common/lifecycle-policy.js';

/**
 * The worker's bounds on a lifecycle, from its own config: the workflow asks for them instead of trusting
 * numbers in its input.
 */
export function createLifecyclePolicyActivities(policy: LifecyclePolicy) {
  return {
    lifecyclePolicy: (): Promise<LifecyclePolicy> => Promise.resolve(policy),
  };
}
