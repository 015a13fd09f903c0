import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';

export const CHECKPOINT_MISSING = 'CheckpointMissing';

export interface SaveCheckpointInput {
  workflowId: string;
  runId: string;
  version: number;
  state: unknown;
}

export interface LoadCheckpointInput {
  workflowId: string;
  /** The run that saved it: a new run names its predecessor (Temporal's continuedFromExecutionRunId). */
  runId?: string;
}

/**
 * Lifecycle state between runs. A run saves its state under its own run id before it continues as new; the next
 * run loads it by its predecessor's run id, which only Temporal sets. Workflow input is therefore never trusted
 * as state. Idempotent: a retried save writes the same row.
 */
export function createCheckpointActivities({ db }: { db: pg.Pool }) {
  return {
    async saveLifecycleCheckpoint(input: SaveCheckpointInput): Promise<void> {
      await db.query(
        `INSERT INTO lifecycle_checkpoints (workflow_id, run_id, version, state) VALUES ($1, $2, $3, $4)
         ON CONFLICT (workflow_id, run_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, saved_at = now()`,
        [input.workflowId, input.runId, input.version, JSON.stringify(input.state)],
      );
    },

    /** The checkpoint of that run, or (without a run id) the newest of the workflow id. */
    async loadLifecycleCheckpoint(input: LoadCheckpointInput): Promise<{ runId: string; version: number; state: unknown }> {
      const { rows } = input.runId
        ? await db.query<{ run_id: string; version: number; state: unknown }>(
            `SELECT run_id, version, state FROM lifecycle_checkpoints WHERE workflow_id = $1 AND run_id = $2`,
            [input.workflowId, input.runId],
          )
        : await db.query<{ run_id: string; version: number; state: unknown }>(
            `SELECT run_id, version, state FROM lifecycle_checkpoints WHERE workflow_id = $1 ORDER BY saved_at DESC LIMIT 1`,
            [input.workflowId],
          );
      const row = rows[0];
      if (!row) {
        throw ApplicationFailure.nonRetryable(
          `no saved state of ${input.workflowId}${input.runId ? ` run ${input.runId}` : ''}: a lifecycle continues only from a state its own earlier run saved`,
          CHECKPOINT_MISSING,
        );
      }
      // PGlite and pg both parse jsonb; a text column would need JSON.parse.
      const state = typeof row.state === 'string' ? (JSON.parse(row.state) as unknown) : row.state;
      return { runId: row.run_id, version: Number(row.version), state };
    },
  };
}
