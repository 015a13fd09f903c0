/**
 * A signed operator identity: the CLI signs what the operator asks for with the operator's own Ed25519 key,
 * and the worker verifies it against its allow-list. A string like OPS_OPERATOR proves nothing; this does.
 * Pure data only (no crypto here), so workflows can import the types.
 */
export interface OperatorAssertion {
  v: 1;
  /** The operator id the key belongs to (compared normalised: see normaliseOperatorId). */
  operator: string;
  /** The public key, base64 of its SPKI DER: lets the worker find the allow-list entry without guessing. */
  publicKey: string;
  /** What is asked for, e.g. `lifecycle.terminate`, `purge.approve`. */
  action: string;
  /** The workflow the assertion is for: an approval of one customer cannot be replayed on another. */
  workflowId: string;
  /** sha256 of the canonical JSON of the action's arguments (the request reference, the hold, the reason...). */
  argsDigest: string;
  issuedAt: string;
  nonce: string;
  /** Ed25519 signature (base64) of the canonical JSON of every other field. */
  signature: string;
}

export type UnsignedAssertion = Omit<OperatorAssertion, 'signature'>;

/** What the worker vouches for after checking an assertion. */
export interface VerifiedOperator {
  operator: string;
  keyFingerprint: string;
  roles: OperatorRole[];
}

export type OperatorRole = 'operator' | 'approver';

/** The actions an operator signs; the worker checks the one it expects. */
export const OPERATOR_ACTIONS = {
  terminate: 'lifecycle.terminate',
  reinstate: 'lifecycle.reinstate',
  approveHold: 'hold.approve',
  requestPurge: 'purge.request',
  approvePurge: 'purge.approve',
} as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[keyof typeof OPERATOR_ACTIONS];

/** How long a signed request stays valid: long enough for a slow terminal, too short to be kept for later. */
export const ASSERTION_LIFETIME_SECONDS = 600;

/**
 * Operator ids compare case-insensitively after Unicode normalisation: `Alice`, `alice` and `ａｌｉｃｅ` are one
 * person, so the requester can never approve under another spelling of the same name.
 */
export function normaliseOperatorId(id: string): string {
  return id.normalize('NFKC').trim().toLowerCase();
}
