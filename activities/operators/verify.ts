import { ApplicationFailure } from '@temporalio/activity';
import {
  ASSERTION_LIFETIME_SECONDS,
  normaliseOperatorId,
  type OperatorAction,
  type OperatorAssertion,
  type OperatorRole,
  type VerifiedOperator,
} from '../../common/operator-assertion.js';
import { argsDigest, keyFingerprint, signatureHolds } from '../../common/operator-signing.js';
import { loadAllowList } from './allow-list.js';
import { OPERATOR_NOT_VERIFIED } from './failures.js';

export interface VerifyOperatorInput {
  assertion: OperatorAssertion;
  /** What the workflow is about to do, and on which workflow with which arguments: the assertion must say the same. */
  action: OperatorAction;
  workflowId: string;
  args: Record<string, unknown>;
  /** The role the action needs (approvals need `approver`). */
  role: OperatorRole;
}

/** Clocks of the CLI's machine and the worker's differ a little. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * Checks a signed operator request on the worker: the key is on the allow-list under that operator id (compared
 * normalised), the signature holds, the assertion is for exactly this action, workflow and arguments, it is
 * fresh, and the operator has the role. Returns who it really is; anything else is a non-retryable refusal.
 */
export async function verifyOperator(allowListPath: string, input: VerifyOperatorInput, now = Date.now()): Promise<VerifiedOperator> {
  const { assertion } = input;
  const refuse = (why: string): never => {
    throw ApplicationFailure.nonRetryable(`operator not verified: ${why}`, OPERATOR_NOT_VERIFIED);
  };
  if (!assertion || typeof assertion !== 'object' || assertion.v !== 1 || typeof assertion.signature !== 'string') {
    return refuse('the request carries no signed operator identity (ops operator init creates your key)');
  }
  const claimed = normaliseOperatorId(String(assertion.operator));
  const entry = (await loadAllowList(allowListPath)).find((e) => e.publicKey === assertion.publicKey);
  if (!entry) return refuse(`key ${keyFingerprint(String(assertion.publicKey))} of ${claimed} is not on the worker's allow-list`);
  if (normaliseOperatorId(entry.id) !== claimed) return refuse(`key ${keyFingerprint(entry.publicKey)} belongs to ${normaliseOperatorId(entry.id)}, not ${claimed}`);
  if (!signatureHolds(assertion)) return refuse(`the signature of ${claimed}'s request does not hold`);
  if (assertion.action !== input.action) return refuse(`${claimed} signed ${assertion.action}, not ${input.action}`);
  if (assertion.workflowId !== input.workflowId) return refuse(`${claimed} signed a request for ${assertion.workflowId}, not ${input.workflowId}`);
  if (assertion.argsDigest !== argsDigest(input.args)) return refuse(`${claimed} signed other arguments than those received`);
  const issued = Date.parse(assertion.issuedAt);
  if (!Number.isFinite(issued) || issued > now + CLOCK_SKEW_SECONDS * 1000) return refuse(`${claimed}'s request is dated in the future`);
  if (now - issued > (ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) * 1000) return refuse(`${claimed}'s signed request has expired: run the command again`);
  if (!entry.roles.includes(input.role)) return refuse(`${claimed} is not an ${input.role} on the worker's allow-list`);
  return { operator: claimed, keyFingerprint: keyFingerprint(entry.publicKey), roles: entry.roles };
}
