import type { LifecycleInput, LifecycleState, LifecycleStatus } from '../../common/lifecycle-messages.js';
import { describeResource } from '../../common/customer.js';

const MAX_EVENTS = 50;

export function initialState(input: LifecycleInput, now: Date): LifecycleState {
  return {
    customerId: input.customerId,
    stage: 'revoking',
    reason: input.reason,
    ...(input.ticket ? { ticket: input.ticket } : {}),
    terminatedBy: input.terminatedBy,
    terminatedAt: now.toISOString(),
    holdEndsAt: new Date(now.getTime() + input.holdSeconds * 1000).toISOString(),
    resources: [],
    archive: { progress: emptyProgress(), cursors: {}, planned: false, warehousesDone: [], rounds: 0 },
    purge: { progress: emptyProgress(), rounds: 0 },
    events: [],
    auditSeq: 0,
    runs: 1,
  };
}

export function emptyProgress() {
  return { done: 0, total: 0, bytesDone: 0, bytesTotal: 0 };
}

/** Keeps the last events only: the status stays small however long the lifecycle runs. */
export function addEvent(state: LifecycleState, what: string, by?: string): void {
  state.events.push({ at: new Date().toISOString(), what, ...(by ? { by } : {}) });
  if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
}

export function isPurgeApproved(state: LifecycleState): boolean {
  return Boolean(state.purgeRequest?.approvedAt);
}

export function isPurgeRequestExpired(state: LifecycleState, now: number): boolean {
  const request = state.purgeRequest;
  return Boolean(request && !request.approvedAt && Date.parse(request.expiresAt) <= now);
}

export function toStatus(state: LifecycleState, now: number): LifecycleStatus {
  const { archive, purge, resources, auditSeq: _auditSeq, ...rest } = state;
  return {
    ...rest,
    archiveProgress: archive.progress,
    purgeProgress: purge.progress,
    purgeRequestExpired: isPurgeRequestExpired(state, now),
    resources: resources.map(describeResource),
  };
}
