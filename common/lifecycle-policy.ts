import type { Config } from './config-schema.js';
import { durationSeconds } from './durations.js';

/** The worker's own bounds on a lifecycle (its config), fetched by an activity: a client cannot widen them. */
export interface LifecyclePolicy {
  contractualHoldSeconds: number;
  minHoldSeconds: number;
  maxHoldSeconds: number;
  minApprovalWindowSeconds: number;
  maxApprovalWindowSeconds: number;
  /** Continue-as-new past this many history events. */
  historyLimit: number;
}

/** Continue-as-new well before Temporal's own limit (51,200 events), so millions of objects stay bounded. */
export const DEFAULT_HISTORY_LIMIT = 5_000;

export function lifecyclePolicyFrom(config: Config, historyLimit = DEFAULT_HISTORY_LIMIT): LifecyclePolicy {
  return {
    contractualHoldSeconds: durationSeconds(config.lifecycle.hold),
    minHoldSeconds: durationSeconds(config.lifecycle.minHold),
    maxHoldSeconds: durationSeconds(config.lifecycle.maxHold),
    minApprovalWindowSeconds: 60,
    maxApprovalWindowSeconds: 30 * 86_400,
    historyLimit,
  };
}
