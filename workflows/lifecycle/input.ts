import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { CUSTOMER_ID_PATTERN } from '../../common/customer.js';
import type { LifecycleInput } from '../../common/lifecycle-messages.js';
import type { LifecyclePolicy } from '../../common/lifecycle-policy.js';
import { workflowIds } from '../../common/workflow-ids.js';

export const INVALID_LIFECYCLE_INPUT = 'InvalidLifecycleInput';

const KEYS: Record<LifecycleInput['kind'], string[]> = {
  terminate: ['kind', 'customerId', 'reason', 'ticket', 'holdSeconds', 'archiveStorageClass', 'approvalWindowSeconds', 'terminatedBy'],
  'purge-archived': ['kind', 'customerId', 'requestRef', 'approvalWindowSeconds', 'requestedBy'],
  continued: ['kind', 'customerId'],
};

const TICKET = /^[A-Za-z0-9._:/#-]{1,128}$/;
export const REQUEST_REF = /^[A-Za-z0-9._:/#-]{1,128}$/;

/**
 * Refuses, before anything happens, input that did not come from the suite: an unknown kind or field (such as
 * a forged `carried` state), a workflow id other than `lifecycle/<customerId>`, a run claiming to be continued
 * that Temporal did not continue, and any number outside the worker's bounds.
 */
export function assertValidInput(input: LifecycleInput, policy?: LifecyclePolicy): void {
  const bad = (why: string): never => {
    throw ApplicationFailure.nonRetryable(`invalid lifecycle input: ${why}`, INVALID_LIFECYCLE_INPUT);
  };
  if (!input || typeof input !== 'object') return bad('not an object');
  const allowed = KEYS[input.kind];
  if (!allowed) return bad(`unknown kind ${JSON.stringify((input as { kind?: unknown }).kind)}`);
  const extra = Object.keys(input).filter((k) => !allowed.includes(k));
  if (extra.length) return bad(`unexpected field(s) ${extra.join(', ')}`);
  if (typeof input.customerId !== 'string' || !CUSTOMER_ID_PATTERN.test(input.customerId)) return bad(`customer id ${JSON.stringify(input.customerId)}`);
  const { workflowId, continuedFromExecutionRunId } = workflowInfo();
  if (workflowId !== workflowIds.lifecycle(input.customerId)) return bad(`workflow id ${workflowId} must be ${workflowIds.lifecycle(input.customerId)}`);
  if ((input.kind === 'continued') !== Boolean(continuedFromExecutionRunId)) {
    return bad(input.kind === 'continued' ? 'a continued run must be started by continue-as-new' : 'a continued run must say so');
  }
  if (input.kind === 'continued' || !policy) return;

  const whole = (value: unknown, name: string, min: number, max: number) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      bad(`${name} ${JSON.stringify(value)} must be whole seconds between ${min} and ${max}`);
    }
  };
  whole(input.approvalWindowSeconds, 'approvalWindowSeconds', policy.minApprovalWindowSeconds, policy.maxApprovalWindowSeconds);
  if (input.kind === 'purge-archived') {
    if (typeof input.requestRef !== 'string' || !REQUEST_REF.test(input.requestRef)) bad(`request reference ${JSON.stringify(input.requestRef)}`);
    return;
  }
  whole(input.holdSeconds, 'holdSeconds', policy.minHoldSeconds, policy.maxHoldSeconds);
  if (input.archiveStorageClass !== 'GLACIER' && input.archiveStorageClass !== 'DEEP_ARCHIVE') bad(`storage class ${JSON.stringify(input.archiveStorageClass)}`);
  if (typeof input.reason !== 'string' || !input.reason.trim() || input.reason.length > 1000) bad('a reason of 1-1000 characters is required');
  if (input.ticket !== undefined && (typeof input.ticket !== 'string' || !TICKET.test(input.ticket))) bad(`ticket ${JSON.stringify(input.ticket)}`);
}
