import { ApplicationFailure } from '@temporalio/workflow';
import {
  LIFECYCLE_STATE_VERSION,
  type LifecycleState,
  type LifecycleStatus,
  type TerminateLifecycleInput,
} from '../../common/lifecycle-messages.js';
import { describeResource, type InventoryResource } from '../../common/customer.js';
import type { Stage } from '../../common/lifecycle.js';

const MAX_EVENTS = 50;

export interface Terminator {
  operator: string;
  keyFingerprint: string;
}

/**
 * A new lifecycle's state. A hold shorter than the contractual one starts as the contractual hold and shortens
 * only when a second operator approves it.
 */
export function initialState(
  input: TerminateLifecycleInput,
  by: Terminator,
  contractualHoldSeconds: number,
  resources: InventoryResource[],
  now: Date,
): LifecycleState {
  const short = input.holdSeconds < contractualHoldSeconds;
  const effectiveHold = short ? contractualHoldSeconds : input.holdSeconds;
  return {
    version: LIFECYCLE_STATE_VERSION,
    customerId: input.customerId,
    stage: 'revoking',
    reason: input.reason,
    ...(input.ticket ? { ticket: input.ticket } : {}),
    terminatedBy: by.operator,
    terminatedByKey: by.keyFingerprint,
    terminatedAt: now.toISOString(),
    holdEndsAt: new Date(now.getTime() + effectiveHold * 1000).toISOString(),
    archiveStorageClass: input.archiveStorageClass,
    approvalWindowSeconds: input.approvalWindowSeconds,
    ...(short ? { shortHold: { requestedSeconds: input.holdSeconds, contractualSeconds: contractualHoldSeconds } } : {}),
    resources,
    archive: {
      progress: emptyProgress(),
      planCursors: {},
      cursors: {},
      planned: false,
      warehousesClosed: [],
      warehousesDone: [],
      verifyCursors: {},
      notArchived: {},
      rounds: 0,
    },
    purge: { progress: emptyProgress(), started: false, s3: {}, warehouses: [], verifyCursors: {}, s3Remaining: {}, rounds: 0 },
    events: [],
    auditSeq: 0,
    runs: 1,
  };
}

/**
 * A checkpoint as the current code reads it. Version 2 is the first stored one; a later version adds its
 * upgrade step here, so a lifecycle checkpointed months ago resumes under new code.
 */
export function upgradeState(version: number, state: unknown): LifecycleState {
  if (version === LIFECYCLE_STATE_VERSION) return state as LifecycleState;
  throw ApplicationFailure.nonRetryable(
    `saved lifecycle state has version ${version}; this worker reads version ${LIFECYCLE_STATE_VERSION} (deploy a worker that knows it)`,
    'UnsupportedStateVersion',
  );
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

/**
 * What `ops status` sees in the moment between a run's start and the state it loads or verifies: the stage from
 * the search attribute the run carries, nothing unverified about who asked.
 */
export function startingStatus(customerId: string, stage: Stage, startedAt: Date): LifecycleStatus {
  return {
    customerId,
    stage,
    reason: '',
    terminatedBy: '(verifying)',
    terminatedByKey: '',
    terminatedAt: startedAt.toISOString(),
    holdEndsAt: startedAt.toISOString(),
    archiveStorageClass: 'GLACIER',
    approvalWindowSeconds: 0,
    archiveProgress: emptyProgress(),
    purgeProgress: emptyProgress(),
    purgeRequestExpired: false,
    resources: [],
    events: [],
    runs: 1,
  };
}

export function toStatus(state: LifecycleState, now: number): LifecycleStatus {
  const { archive, purge, resources, auditSeq: _auditSeq, version: _version, ...rest } = state;
  return {
    ...rest,
    archiveProgress: archive.progress,
    purgeProgress: purge.progress,
    purgeRequestExpired: isPurgeRequestExpired(state, now),
    resources: resources.map(describeResource),
  };
}
