import { isDeepStrictEqual } from 'node:util';
import { nonRetryable, S3_INVALID_POLICY } from './errors.js';

export type PolicyStatement = Record<string, unknown> & { Sid?: unknown };
/** A bucket policy; `Statement` may be one statement or a list (the grammar allows both). */
export type PolicyDocument = Record<string, unknown> & { Statement?: PolicyStatement | PolicyStatement[] };

/** The Sid of the statement that closes the customer's objects (or whole dedicated bucket). */
export const denySid = (customerId: string): string => `LifecycleOpsDeny-${customerId}`;
/**
 * The Sid of the statement that closes listing of a shared bucket under the customer's prefixes. A fixed part
 * of its own, not a suffix: customer ids contain dashes, so `LifecycleOpsDeny-acme-list` could be customer acme-list.
 */
export const denyListSid = (customerId: string): string => `LifecycleOpsDenyList-${customerId}`;

/**
 * A shared bucket has one pair of statements for all its closed customers, listing every closed prefix: a pair
 * per customer would reach S3's 20 KB policy limit after about 33 customers.
 */
export const SHARED_DENY_SID = 'LifecycleOpsDenyClosedPrefixes';
export const SHARED_LIST_SID = 'LifecycleOpsDenyClosedListing';
/** S3's limit on a bucket policy's size. */
export const POLICY_LIMIT_BYTES = 20 * 1024;

// The per-customer shared-bucket pair of earlier versions is still recognised, so a customer closed by them reopens.
const ourSids = (customerId: string): string[] => [denySid(customerId), denyListSid(customerId)];
const isLifecycleSid = (sid: unknown): boolean => typeof sid === 'string' && sid.startsWith('LifecycleOpsDeny');

export interface DenyScope {
  bucket: string;
  customerId: string;
  opsRoleArn: string;
  /** Whole bucket when dedicated; else these prefixes (each ending in '/'). */
  dedicated: boolean;
  prefixes: string[];
}

/**
 * Deny for everyone but the ops role. Shared buckets need two statements: the object actions on the prefixes,
 * and listing the bucket where s3:prefix is under them (that condition key exists only on list requests, so
 * one combined statement would never match an object request).
 */
export function denyStatements(scope: DenyScope): PolicyStatement[] {
  const bucketArn = `arn:aws:s3:::${scope.bucket}`;
  const exceptOps = { ArnNotEquals: { 'aws:PrincipalArn': scope.opsRoleArn } };
  if (scope.dedicated) {
    return [
      { Sid: denySid(scope.customerId), Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucketArn, `${bucketArn}/*`], Condition: exceptOps },
    ];
  }
  return [
    {
      Sid: denySid(scope.customerId),
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: scope.prefixes.map((p) => `${bucketArn}/${p}*`),
      Condition: exceptOps,
    },
    {
      Sid: denyListSid(scope.customerId),
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:ListBucket', 's3:ListBucketVersions'],
      Resource: bucketArn,
      Condition: { ...exceptOps, StringLike: { 's3:prefix': scope.prefixes.map((p) => `${p}*`) } },
    },
  ];
}

/** The prefixes the shared pair closes now (each ending in '/'). */
export function closedPrefixes(doc: PolicyDocument | undefined, bucket: string): string[] {
  const statement = statementsOf(doc).find((st) => st.Sid === SHARED_DENY_SID);
  const resources = statement?.Resource;
  const list = Array.isArray(resources) ? resources : resources === undefined ? [] : [resources];
  const head = `arn:aws:s3:::${bucket}/`;
  return list.filter((r): r is string => typeof r === 'string' && r.startsWith(head) && r.endsWith('*')).map((r) => r.slice(head.length, -1));
}

/**
 * The policy with the shared pair closing exactly `prefixes` (none: no pair), every other statement kept, the
 * pair last. Deny for everyone but the ops role; listing is denied where s3:prefix is under a closed prefix
 * (that condition key exists only on list requests, so one combined statement would never match an object).
 */
export function withClosedPrefixes(doc: PolicyDocument | undefined, bucket: string, opsRoleArn: string, prefixes: string[]): PolicyDocument {
  const rest = statementsOf(doc).filter((st) => st.Sid !== SHARED_DENY_SID && st.Sid !== SHARED_LIST_SID);
  const sorted = [...new Set(prefixes)].sort();
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const exceptOps = { ArnNotEquals: { 'aws:PrincipalArn': opsRoleArn } };
  const pair: PolicyStatement[] = sorted.length
    ? [
        { Sid: SHARED_DENY_SID, Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: sorted.map((p) => `${bucketArn}/${p}*`), Condition: exceptOps },
        {
          Sid: SHARED_LIST_SID,
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:ListBucket', 's3:ListBucketVersions'],
          Resource: bucketArn,
          Condition: { ...exceptOps, StringLike: { 's3:prefix': sorted.map((p) => `${p}*`) } },
        },
      ]
    : [];
  return { Version: '2012-10-17', ...(doc ?? {}), Statement: [...rest, ...pair] };
}

/** The policy as S3 will store it, and whether it fits S3's limit. */
export function policyText(doc: PolicyDocument): { text: string; bytes: number; fits: boolean } {
  const text = JSON.stringify(doc);
  const bytes = Buffer.byteLength(text, 'utf8');
  return { text, bytes, fits: bytes <= POLICY_LIMIT_BYTES };
}

export function parsePolicy(text: string, where: string): PolicyDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    nonRetryable(`the bucket policy of ${where} is not JSON`, S3_INVALID_POLICY);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) nonRetryable(`the bucket policy of ${where} is not a JSON object`, S3_INVALID_POLICY);
  return doc as PolicyDocument;
}

export function statementsOf(doc: PolicyDocument | undefined): PolicyStatement[] {
  const s = doc?.Statement;
  if (s === undefined) return [];
  return Array.isArray(s) ? s : [s];
}

/** This customer's statements in the policy. */
export function ourStatements(doc: PolicyDocument | undefined, customerId: string): PolicyStatement[] {
  const sids = ourSids(customerId);
  return statementsOf(doc).filter((s) => typeof s.Sid === 'string' && sids.includes(s.Sid));
}

/** The policy without this customer's statements (Statement as a list). */
export function withoutOurs(doc: PolicyDocument | undefined, customerId: string): PolicyDocument {
  const ours = ourStatements(doc, customerId);
  return { ...(doc ?? {}), Statement: statementsOf(doc).filter((s) => !ours.includes(s)) };
}

/** The policy as it was before any customer of the bucket was closed: without every lifecycle Deny. */
export function withoutAnyLifecycle(doc: PolicyDocument | undefined): PolicyDocument {
  return { ...(doc ?? {}), Statement: statementsOf(doc).filter((s) => !isLifecycleSid(s.Sid)) };
}

export function hasAnyLifecycle(doc: PolicyDocument | undefined): boolean {
  return statementsOf(doc).some((s) => isLifecycleSid(s.Sid));
}

/** The policy with this customer's statements replaced by `statements` (appended at the end). */
export function withOurs(doc: PolicyDocument | undefined, customerId: string, statements: PolicyStatement[]): PolicyDocument {
  const rest = withoutOurs(doc, customerId);
  return { Version: '2012-10-17', ...rest, Statement: [...statementsOf(rest), ...statements] };
}

/** Same policy, whether Statement is one object or a list of one. */
export function samePolicy(a: PolicyDocument, b: PolicyDocument): boolean {
  return isDeepStrictEqual({ ...a, Statement: statementsOf(a) }, { ...b, Statement: statementsOf(b) });
}
