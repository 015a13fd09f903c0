/** The stages of a customer's lifecycle workflow (DESIGN.md, "The customer lifecycle"). */
export const STAGES = [
  'revoking',
  'held',
  'archiving',
  'archived',
  'reinstating',
  'reinstated',
  'purging',
  'purged',
] as const;
export type Stage = (typeof STAGES)[number];

/** Stages from which a purge may be requested. */
export const PURGEABLE_STAGES: readonly Stage[] = ['held', 'archiving', 'archived'];

export interface Progress {
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface PurgeRequest {
  requestRef: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  approvedBy?: string;
  approvedAt?: string;
}
