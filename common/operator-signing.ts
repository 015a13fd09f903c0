import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import {
  type OperatorAction,
  type OperatorAssertion,
  type UnsignedAssertion,
} from './operator-assertion.js';

/** An operator's key pair, as the CLI keeps it in its key file. */
export interface OperatorKey {
  operator: string;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** base64 SPKI DER: the value of the allow-list entry. */
  publicKey: string;
}

export function generateOperatorKey(operator: string): OperatorKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    operator,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The digest an assertion binds: the canonical JSON of the arguments of the action. */
export function argsDigest(args: Record<string, unknown>): string {
  return `sha256:${sha256Hex(canonicalJson(args))}`;
}

/** A short, stable name of a public key, for the audit trail and messages. */
export function keyFingerprint(publicKeyBase64: string): string {
  return `ed25519:${sha256Hex(publicKeyBase64).slice(0, 16)}`;
}

export function publicKeyObject(publicKeyBase64: string): KeyObject {
  return createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
}

/** Signs one action on one workflow with the operator's key. */
export function signAssertion(
  key: OperatorKey,
  action: OperatorAction,
  workflowId: string,
  args: Record<string, unknown>,
  now = new Date(),
): OperatorAssertion {
  const unsigned: UnsignedAssertion = {
    v: 1,
    operator: key.operator,
    publicKey: key.publicKey,
    action,
    workflowId,
    argsDigest: argsDigest(args),
    issuedAt: now.toISOString(),
    nonce: randomUUID(),
  };
  const signature = sign(null, Buffer.from(canonicalJson(unsigned)), key.privateKey).toString('base64');
  return { ...unsigned, signature };
}

/** True when the signature is the key's over every other field of the assertion. */
export function signatureHolds(assertion: OperatorAssertion): boolean {
  const { signature, ...unsigned } = assertion;
  try {
    return verify(null, Buffer.from(canonicalJson(unsigned)), publicKeyObject(assertion.publicKey), Buffer.from(signature, 'base64'));
  } catch {
    return false; // a malformed key or signature is simply not a valid signature
  }
}
