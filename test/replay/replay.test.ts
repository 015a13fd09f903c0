import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { HISTORIES_DIR } from '../helpers/histories.js';
import { stack } from '../helpers/stack.js';

/**
 * Lifecycles run for months: every saved history of every path (held, reinstated, archived, purged, continued
 * as new, refused) must replay on the current workflow code without a nondeterminism error. A change that
 * alters the command sequence needs `patched()` (CONTRIBUTING.md); this test is what catches a missing one.
 */
describe('replay of saved lifecycle histories', () => {
  const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

  it('has a saved history of every lifecycle path', () => {
    const paths = files.map((f) => f.replace(/\.json$/, ''));
    for (const path of ['held-archived', 'purge-of-archived', 'reinstated', 'purged-from-hold', 'purged-mid-archive', 'continued-as-new-first-run', 'continued-as-new-last-run', 'short-hold-approved', 'refused-forged-input']) {
      expect(paths).toContain(path);
    }
  });

  it.each(files)('replays %s on the current workflow code', async (file) => {
    const saved = JSON.parse(readFileSync(`${HISTORIES_DIR}${file}`, 'utf8')) as { workflowId: string; history: unknown };
    await Worker.runReplayHistory({ workflowBundle: { codePath: stack().workflowBundlePath } }, historyFromJSON(saved.history), saved.workflowId);
  });
});
