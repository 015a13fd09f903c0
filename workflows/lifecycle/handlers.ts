import { ApplicationFailure, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { formatDuration } from '../../common/durations.js';
import { PURGEABLE_STAGES } from '../../common/lifecycle.js';
import {
  approveHoldArgs,
  approveHoldUpdate,
  approvePurgeArgs,
  approvePurgeUpdate,
  purgeRequestArgs,
  reinstateArgs,
  reinstateUpdate,
  requestPurgeUpdate,
  statusQuery,
  type LifecycleState,
} from '../../common/lifecycle-messages.js';
import { OPERATOR_ACTIONS, type OperatorAction, type OperatorAssertion, type OperatorRole, type VerifiedOperator } from '../../common/operator-assertion.js';
import { records } from './activities.js';
import { REQUEST_REF } from './input.js';
import { addEvent, isPurgeApproved, isPurgeRequestExpired, toStatus } from './state.js';
import { rootMessage } from './stuck.js';

export type Audit = (action: string, outcome: 'ok' | 'refused' | 'failed' | 'started', by: string, details?: Record<string, unknown>) => Promise<void>;

/**
 * Verifies an operator's signed request on the worker (allow-list, signature, this action, this workflow, these
 * arguments, the role). A request that does not check out is refused and audited under the name it claimed.
 */
export function operatorVerifier(audit: Audit) {
  return async (action: OperatorAction, assertion: OperatorAssertion, args: Record<string, unknown>, role: OperatorRole = 'operator'): Promise<VerifiedOperator> => {
    try {
      return await records.verifyOperator({ assertion, action, workflowId: workflowInfo().workflowId, args, role });
    } catch (err) {
      const why = rootMessage(err);
      const claimed = typeof assertion?.operator === 'string' ? assertion.operator.slice(0, 64) : 'unknown';
      await audit(action, 'refused', `unverified:${claimed}`, { why });
      throw ApplicationFailure.nonRetryable(why, 'OperatorNotVerified');
    }
  };
}

/**
 * The operator's messages. Each is verified first (an activity), then its checks and the state change they guard
 * run without an await in between, so two messages cannot race; a refusal is audited too.
 */
export function registerHandlers(state: LifecycleState, audit: Audit): void {
  const verify = operatorVerifier(audit);
  const refuse = async (action: string, operator: string, why: string): Promise<never> => {
    await audit(action, 'refused', operator, { why });
    throw ApplicationFailure.nonRetryable(why, 'Refused');
  };

  setHandler(statusQuery, () => toStatus(state, Date.now()));

  setHandler(reinstateUpdate, async ({ assertion, reason }) => {
    const who = await verify(OPERATOR_ACTIONS.reinstate, assertion, reinstateArgs(state.customerId, reason));
    const by = who.operator;
    if (state.stage !== 'held') {
      return refuse('reinstate', by, `customer ${state.customerId} is ${state.stage}: reinstatement is possible only during the hold`);
    }
    if (isPurgeApproved(state)) return refuse('reinstate', by, `a purge of ${state.customerId} is approved: it cannot be reinstated`);
    if (typeof reason !== 'string' || !reason.trim() || reason.length > 1000) return refuse('reinstate', by, 'a reason of 1-1000 characters is required');
    state.reinstated = { by, reason, at: new Date().toISOString() };
    addEvent(state, `reinstatement requested: ${reason}`, by);
    await audit('reinstate', 'ok', by, { reason, key: who.keyFingerprint });
    return { stage: state.stage };
  });

  setHandler(approveHoldUpdate, async ({ assertion, holdSeconds }) => {
    const who = await verify(OPERATOR_ACTIONS.approveHold, assertion, approveHoldArgs(state.customerId, holdSeconds), 'approver');
    const by = who.operator;
    const short = state.shortHold;
    if (!short) return refuse('hold.approve', by, `the hold of ${state.customerId} is not shorter than the contractual one: nothing to approve`);
    if (short.approvedBy) return short.approvedBy === by ? { holdEndsAt: state.holdEndsAt } : refuse('hold.approve', by, `the short hold was already approved by ${short.approvedBy}`);
    if (holdSeconds !== short.requestedSeconds) return refuse('hold.approve', by, `the requested hold is ${formatDuration(short.requestedSeconds)}, not ${formatDuration(holdSeconds)}`);
    if (by === state.terminatedBy) return refuse('hold.approve', by, `${by} terminated ${state.customerId} and cannot also approve its shorter hold: a second operator must approve it`);
    if (state.stage !== 'revoking' && state.stage !== 'held') return refuse('hold.approve', by, `customer ${state.customerId} is ${state.stage}: the hold is over`);
    short.approvedBy = by;
    short.approvedAt = new Date().toISOString();
    state.holdEndsAt = new Date(Date.parse(state.terminatedAt) + short.requestedSeconds * 1000).toISOString();
    addEvent(state, `shorter hold approved: ends ${state.holdEndsAt}`, by);
    await audit('hold.approve', 'ok', by, { holdSeconds, holdEndsAt: state.holdEndsAt, requestedBy: state.terminatedBy, key: who.keyFingerprint });
    return { holdEndsAt: state.holdEndsAt };
  });

  setHandler(requestPurgeUpdate, async ({ assertion, requestRef }) => {
    const who = await verify(OPERATOR_ACTIONS.requestPurge, assertion, purgeRequestArgs(state.customerId, requestRef));
    return recordPurgeRequest(state, audit, who, requestRef, refuse);
  });

  setHandler(approvePurgeUpdate, async ({ assertion, requestRef }) => {
    const who = await verify(OPERATOR_ACTIONS.approvePurge, assertion, approvePurgeArgs(state.customerId, requestRef), 'approver');
    const by = who.operator;
    const request = state.purgeRequest;
    if (!request) return refuse('purge.approve', by, `no purge of ${state.customerId} is waiting for approval`);
    if (request.requestRef !== requestRef) return refuse('purge.approve', by, `the pending purge request is ${request.requestRef}, not ${requestRef}`);
    if (request.approvedAt) {
      if (request.approvedBy === by) return request; // a retried approval
      return refuse('purge.approve', by, `purge ${request.requestRef} was already approved by ${request.approvedBy}`);
    }
    if (isPurgeRequestExpired(state, Date.now())) {
      return refuse('purge.approve', by, `purge request ${request.requestRef} expired at ${request.expiresAt}: request it again`);
    }
    // Both ids are the verified, normalised ones: `Alice` cannot approve `alice`'s request.
    if (by === request.requestedBy) {
      return refuse('purge.approve', by, `${by} requested this purge and cannot also approve it: a second operator must approve it`);
    }
    if (!PURGEABLE_STAGES.includes(state.stage) || state.reinstated) {
      return refuse('purge.approve', by, `customer ${state.customerId} is ${state.stage}: nothing to purge`);
    }
    request.approvedBy = by;
    request.approvedAt = new Date().toISOString();
    addEvent(state, `purge ${request.requestRef} approved`, by);
    await audit('purge.approve', 'ok', by, { requestRef: request.requestRef, requestedBy: request.requestedBy, key: who.keyFingerprint });
    return request;
  });
}

/** A verified purge request: from the update while the lifecycle runs, or from the input of a purge run. */
export async function recordPurgeRequest(
  state: LifecycleState,
  audit: Audit,
  who: VerifiedOperator,
  requestRef: string,
  refuse: (action: string, operator: string, why: string) => Promise<never>,
) {
  const by = who.operator;
  if (!PURGEABLE_STAGES.includes(state.stage)) {
    return refuse('purge.request', by, `customer ${state.customerId} is ${state.stage}: a purge can be requested while held, archiving or archived`);
  }
  if (typeof requestRef !== 'string' || !REQUEST_REF.test(requestRef)) return refuse('purge.request', by, `request reference ${JSON.stringify(requestRef)} is not valid`);
  const current = state.purgeRequest;
  if (current && !isPurgeRequestExpired(state, Date.now())) {
    if (current.requestRef === requestRef && current.requestedBy === by) return current; // a retried request
    return refuse('purge.request', by, `purge request ${current.requestRef} by ${current.requestedBy} is already ${current.approvedAt ? 'approved' : `pending approval until ${current.expiresAt}`}`);
  }
  const now = Date.now();
  state.purgeRequest = {
    requestRef,
    requestedBy: by,
    requestedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + state.approvalWindowSeconds * 1000).toISOString(),
  };
  addEvent(state, `purge requested (${requestRef}); waiting for a second operator`, by);
  armPurgeRequestExpiry(state, audit);
  await audit('purge.request', 'ok', by, { requestRef, expiresAt: state.purgeRequest.expiresAt, key: who.keyFingerprint });
  return state.purgeRequest;
}

/**
 * Wakes the workflow when a pending purge request lapses, so its status says so at that moment and the trail
 * records it once (the mark travels in the checkpoint, so a continued run does not record it again).
 */
export function armPurgeRequestExpiry(state: LifecycleState, audit: Audit): void {
  const request = state.purgeRequest;
  if (!request || request.approvedAt || request.expiryNoted) return;
  const remaining = Date.parse(request.expiresAt) - Date.now();
  void (async () => {
    if (remaining > 0) await sleep(remaining);
    if (state.purgeRequest !== request || request.approvedAt || request.expiryNoted) return;
    request.expiryNoted = true;
    addEvent(state, `purge request ${request.requestRef} expired without approval`);
    await audit('purge.request.expired', 'ok', 'lifecycle-workflow', { requestRef: request.requestRef, requestedBy: request.requestedBy });
  })();
}
