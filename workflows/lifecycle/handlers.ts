import { ApplicationFailure, setHandler, sleep } from '@temporalio/workflow';
import { PURGEABLE_STAGES } from '../../common/lifecycle.js';
import {
  approvePurgeUpdate,
  reinstateUpdate,
  requestPurgeUpdate,
  statusQuery,
  type LifecycleInput,
  type LifecycleState,
} from '../../common/lifecycle-messages.js';
import { addEvent, isPurgeApproved, isPurgeRequestExpired, toStatus } from './state.js';

export type Audit = (action: string, outcome: 'ok' | 'refused' | 'failed' | 'started', by: string, details?: Record<string, unknown>) => Promise<void>;

const REQUEST_REF = /^[A-Za-z0-9._:/#-]{1,128}$/;

/**
 * The operator's messages. Checks run in the handler (not a validator) so that a refusal is audited too;
 * each check and the state change it guards happen before the first await, so two messages cannot race.
 */
export function registerHandlers(state: LifecycleState, input: LifecycleInput, audit: Audit): void {
  const refuse = async (action: string, operator: string, why: string): Promise<never> => {
    await audit(action, 'refused', operator, { why });
    throw ApplicationFailure.nonRetryable(why, 'Refused');
  };

  setHandler(statusQuery, () => toStatus(state, Date.now()));

  setHandler(reinstateUpdate, async ({ operator, reason }) => {
    if (state.stage !== 'held') {
      return refuse('reinstate', operator, `customer ${state.customerId} is ${state.stage}: reinstatement is possible only during the hold`);
    }
    if (isPurgeApproved(state)) return refuse('reinstate', operator, `a purge of ${state.customerId} is approved: it cannot be reinstated`);
    if (!reason.trim()) return refuse('reinstate', operator, 'a reason is required');
    state.reinstated = { by: operator, reason, at: new Date().toISOString() };
    addEvent(state, `reinstatement requested: ${reason}`, operator);
    await audit('reinstate', 'ok', operator, { reason });
    return { stage: state.stage };
  });

  setHandler(requestPurgeUpdate, async ({ operator, requestRef }) => {
    if (!PURGEABLE_STAGES.includes(state.stage)) {
      return refuse('purge.request', operator, `customer ${state.customerId} is ${state.stage}: a purge can be requested while held, archiving or archived`);
    }
    if (!REQUEST_REF.test(requestRef)) return refuse('purge.request', operator, `request reference ${JSON.stringify(requestRef)} is not valid`);
    const current = state.purgeRequest;
    if (current && !isPurgeRequestExpired(state, Date.now())) {
      if (current.requestRef === requestRef && current.requestedBy === operator) return current; // a retried request
      return refuse('purge.request', operator, `purge request ${current.requestRef} by ${current.requestedBy} is already ${current.approvedAt ? 'approved' : `pending approval until ${current.expiresAt}`}`);
    }
    const now = Date.now();
    state.purgeRequest = {
      requestRef,
      requestedBy: operator,
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + input.approvalWindowSeconds * 1000).toISOString(),
    };
    addEvent(state, `purge requested (${requestRef}); waiting for a second operator`, operator);
    armPurgeRequestExpiry(state, audit);
    await audit('purge.request', 'ok', operator, { requestRef, expiresAt: state.purgeRequest.expiresAt });
    return state.purgeRequest;
  });

  setHandler(approvePurgeUpdate, async ({ operator }) => {
    const request = state.purgeRequest;
    if (!request) return refuse('purge.approve', operator, `no purge of ${state.customerId} is waiting for approval`);
    if (request.approvedAt) {
      if (request.approvedBy === operator) return request; // a retried approval
      return refuse('purge.approve', operator, `purge ${request.requestRef} was already approved by ${request.approvedBy}`);
    }
    if (isPurgeRequestExpired(state, Date.now())) {
      return refuse('purge.approve', operator, `purge request ${request.requestRef} expired at ${request.expiresAt}: request it again`);
    }
    if (operator === request.requestedBy) {
      return refuse('purge.approve', operator, `${operator} requested this purge and cannot also approve it: a second operator must`);
    }
    if (!PURGEABLE_STAGES.includes(state.stage) || state.reinstated) {
      return refuse('purge.approve', operator, `customer ${state.customerId} is ${state.stage}: nothing to purge`);
    }
    request.approvedBy = operator;
    request.approvedAt = new Date().toISOString();
    addEvent(state, `purge ${request.requestRef} approved`, operator);
    await audit('purge.approve', 'ok', operator, { requestRef: request.requestRef, requestedBy: request.requestedBy });
    return request;
  });
}

/**
 * Wakes the workflow when a pending purge request lapses, so its status says so at that moment and the
 * trail records it. Called when the request is made, and again after continue-as-new.
 */
export function armPurgeRequestExpiry(state: LifecycleState, audit: Audit): void {
  const request = state.purgeRequest;
  if (!request || request.approvedAt) return;
  const remaining = Date.parse(request.expiresAt) - Date.now();
  void (async () => {
    if (remaining > 0) await sleep(remaining);
    if (state.purgeRequest !== request || request.approvedAt) return;
    addEvent(state, `purge request ${request.requestRef} expired without approval`);
    await audit('purge.request.expired', 'ok', 'lifecycle-workflow', { requestRef: request.requestRef, requestedBy: request.requestedBy });
  })();
}
