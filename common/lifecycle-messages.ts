import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { InventoryResource } from './customer.js';
import type { DeletionManifest } from './manifest.js';
import type { Progress, PurgeRequest, Stage } from './lifecycle.js';

export type ArchiveStorageClass = 'GLACIER' | 'DEEP_ARCHIVE';

export interface LifecycleInput {
  customerId: string;
  reason: string;
  ticket?: string;
  terminatedBy: string;
  holdSeconds: number;
  archiveStorageClass: ArchiveStorageClass;
  /** How long a purge request waits for its second operator before it lapses. */
  approvalWindowSeconds: number;
  /** Set only by continue-as-new: where the previous run stopped. */
  carried?: LifecycleState;
}

export interface LifecycleEvent {
  at: string;
  what: string;
  by?: string;
}

/** Everything the workflow knows; carried across continue-as-new, shown by `ops status`. */
export interface LifecycleState {
  customerId: string;
  stage: Stage;
  reason: string;
  ticket?: string;
  terminatedBy: string;
  terminatedAt: string;
  holdEndsAt: string;
  resources: InventoryResource[];
  archive: {
    progress: Progress;
    /** Per S3 resource id: where the next page starts, or 'done'. */
    cursors: Record<string, { keyMarker?: string; versionIdMarker?: string } | 'done'>;
    planned: boolean;
    warehousesDone: number[];
    /** Verification rounds that found something left to archive. */
    rounds: number;
  };
  purge: { progress: Progress; manifest?: DeletionManifest; startedAt?: string; rounds: number };
  purgeRequest?: PurgeRequest;
  reinstated?: { by: string; reason: string; at: string };
  certificateId?: string;
  events: LifecycleEvent[];
  auditSeq: number;
  runs: number;
}

export interface LifecycleStatus extends Omit<LifecycleState, 'archive' | 'purge' | 'resources' | 'auditSeq'> {
  archiveProgress: Progress;
  purgeProgress: Progress;
  purgeRequestExpired: boolean;
  resources: string[];
}

export interface OperatorAction {
  operator: string;
}

export const statusQuery = defineQuery<LifecycleStatus>('status');
export const reinstateUpdate = defineUpdate<{ stage: Stage }, [OperatorAction & { reason: string }]>('reinstate');
export const requestPurgeUpdate = defineUpdate<PurgeRequest, [OperatorAction & { requestRef: string }]>('requestPurge');
export const approvePurgeUpdate = defineUpdate<PurgeRequest, [OperatorAction]>('approvePurge');

export interface LifecycleResult {
  customerId: string;
  stage: Stage;
  certificateId?: string;
}
