import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

/** Where the replay test finds the saved histories of every lifecycle path. */
export const HISTORIES_DIR = fileURLToPath(new URL('../replay/histories/', import.meta.url));

/**
 * With OPS_SAVE_HISTORIES=1, the workflow tests save the history of each lifecycle path they drive (one file
 * per run), so `test/replay` can replay them against every later change of the workflow code. Saved when a
 * workflow change is released: see CONTRIBUTING.md.
 */
export async function saveHistory(client: Client, name: string, workflowId: string, runId?: string): Promise<void> {
  if (process.env.OPS_SAVE_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // The workflow id travels with the history: the lifecycle checks its own id, so a replay must use the real one.
  writeFileSync(`${HISTORIES_DIR}${name}.json`, `{"workflowId":${JSON.stringify(workflowId)},"history":${historyToJSON(history)}}\n`);
}
