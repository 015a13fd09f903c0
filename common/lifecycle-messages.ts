import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { InventoryResource } from './customer.js';
import type { DeletionManifest } from './manifest.js';
import type { Progress, PurgeRequest, Stage } from './lifecycle.js';
import type { OperatorAssertion } from './operator-assertion.js';

export type ArchiveStorageClass = 'GLACIER' | 'DEEP_ARCHIVE';

/**
 * The version of LifecycleState. A run that loads an older checkpoint upgrades it (workflows/lifecycle/state.ts);
 * bump it whenever a field is added or its meaning changes.
 */
export const LIFECYCLE_STATE_VERSION = 2;

/** `ops terminate-customer`: a new lifecycle, signed by the operator who terminates. */
export interface TerminateLifecycleInput {
  kind: 'terminate';
  customerId: string;
  reason: string;
  ticket?: string;
  holdSeconds: number;
  archiveStorageClass: ArchiveStorageClass;
  /** How long a purge request waits for its second operator before it lapses. */
  approvalWindowSeconds: number;
  /** Signs TerminateArgs (terminateArgs()). */
  terminatedBy: OperatorAssertion;
}

/** `ops purge-customer` of an archived customer, whose lifecycle run has ended: a new run waits for the approval. */
export interface PurgeArchivedInput {
  kind: 'purge-archived';
  customerId: string;
  requestRef: string;
  approvalWindowSeconds: number;
  /** Signs the purge request's arguments (purgeRequestArgs()). */
  requestedBy: OperatorAssertion;
}

/** A run started by continue-as-new: its state is the checkpoint its predecessor saved, nothing else. */
export interface ContinuedLifecycleInput {
  kind: 'continued';
  customerId: string;
}

export type LifecycleInput = TerminateLifecycleInput | PurgeArchivedInput | ContinuedLifecycleInput;

/** What the terminating operator signs: everything of the input that decides what happens. */
export function terminateArgs(input: Omit<TerminateLifecycleInput, 'kind' | 'terminatedBy'>): Record<string, unknown> {
  const { customerId, reason, ticket, holdSeconds, archiveStorageClass, approvalWindowSeconds } = input;
  return { customerId, reason, ticket: ticket ?? null, holdSeconds, archiveStorageClass, approvalWindowSeconds };
}
export const purgeRequestArgs = (customerId: string, requestRef: string): Record<string, unknown> => ({ customerId, requestRef });
export const approvePurgeArgs = (customerId: string, requestRef: string): Record<string, unknown> => ({ customerId, requestRef });
export const reinstateArgs = (customerId: string, reason: string): Record<string, unknown> => ({ customerId, reason });
export const approveHoldArgs = (customerId: string, holdSeconds: number): Record<string, unknown> => ({ customerId, holdSeconds });

export interface LifecycleEvent {
  at: string;
  what: string;
  by?: string;
}

export type S3CursorState = { keyMarker?: string; versionIdMarker?: string } | 'done';

/** Everything the workflow knows; checkpointed across runs, shown by `ops status`. */
export interface LifecycleState {
  version: number;
  customerId: string;
  stage: Stage;
  reason: string;
  ticket?: string;
  /** The verified operator id (normalised) and the fingerprint of the key that signed. */
  terminatedBy: string;
  terminatedByKey: string;
  terminatedAt: string;
  holdEndsAt: string;
  archiveStorageClass: ArchiveStorageClass;
  approvalWindowSeconds: number;
  /** A hold shorter than the contractual one: it applies once a second operator approves. */
  shortHold?: { requestedSeconds: number; contractualSeconds: number; approvedBy?: string; approvedAt?: string };
  resources: InventoryResource[];
  archive: {
    progress: Progress;
    /** Planning (counting what there is), page by page: per S3 resource id, where the next page starts. */
    planCursors: Record<string, S3CursorState>;
    /** Per S3 resource id: where the next page starts, or 'done'. */
    cursors: Record<string, S3CursorState>;
    planned: boolean;
    warehousesClosed: number[];
    warehousesDone: number[];
    /** Verification, page by page, and what it found so far. */
    verifyCursors: Record<string, S3CursorState>;
    notArchived: Record<string, { count: number; sample: string[] }>;
    /** Verification rounds that found something left to archive. */
    rounds: number;
  };
  purge: {
    progress: Progress;
    started: boolean;
    startedAt?: string;
    /** What was deleted, counted while deleting (per S3 resource id): the S3 part of the manifest. */
    s3: Record<string, { versions: number; deleteMarkers: number; bytes: number; done: boolean }>;
    warehouses: DeletionManifest['warehouses'];
    verifyCursors: Record<string, S3CursorState>;
    s3Remaining: Record<string, number>;
    manifest?: DeletionManifest;
    rounds: number;
  };
  purgeRequest?: PurgeRequest & { expiryNoted?: boolean };
  reinstated?: { by: string; reason: string; at: string };
  certificateId?: string;
  /** A step that timed out and was reported as a problem; cleared when it goes on. */
  stuck?: { stage: Stage; since: string; cause: string };
  events: LifecycleEvent[];
  auditSeq: number;
  runs: number;
}

export interface LifecycleStatus
  extends Omit<LifecycleState, 'archive' | 'purge' | 'resources' | 'auditSeq' | 'version'> {
  archiveProgress: Progress;
  purgeProgress: Progress;
  purgeRequestExpired: boolean;
  resources: string[];
}

/** Every operator message carries the operator's signed identity; the worker verifies it. */
export interface SignedAction {
  assertion: OperatorAssertion;
}

export const statusQuery = defineQuery<LifecycleStatus>('status');
export const reinstateUpdate = defineUpdate<{ stage: Stage }, [SignedAction & { reason: string }]>('reinstate');
export const requestPurgeUpdate = defineUpdate<PurgeRequest, [SignedAction & { requestRef: string }]>('requestPurge');
export const approvePurgeUpdate = defineUpdate<PurgeRequest, [SignedAction & { requestRef: string }]>('approvePurge');
export const approveHoldUpdate = defineUpdate<{ holdEndsAt: string }, [SignedAction & { holdSeconds: number }]>('approveHold');

export interface LifecycleResult {
  customerId: string;
  stage: Stage;
  certificateId?: string;
}
