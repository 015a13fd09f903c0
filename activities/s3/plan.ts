import { isArchived } from './archive-key.js';
import type { S3Deps } from './deps.js';
import { listVersionsPage, nextCursorOf } from './listing.js';
import type { PlanS3PageInput, PlanS3PageResult } from './types.js';

/**
 * Counts one page of what is under the target (read only): the totals for progress, `purge --dry-run` and the
 * deletion certificate. Nothing changes between its pages, so S3's own markers make the cursor.
 */
export async function planS3Page({ s3 }: S3Deps, pageSize: number, input: PlanS3PageInput): Promise<PlanS3PageResult> {
  const page = await listVersionsPage(s3, input, {
    ...(input.cursor?.keyMarker !== undefined ? { keyMarker: input.cursor.keyMarker } : {}),
    ...(input.cursor?.versionIdMarker !== undefined ? { versionIdMarker: input.cursor.versionIdMarker } : {}),
    maxKeys: pageSize,
  });
  const result: PlanS3PageResult = { versions: 0, deleteMarkers: 0, bytes: 0, archivedVersions: 0, archivedBytes: 0 };
  for (const entry of page.entries) {
    if (entry.deleteMarker) {
      result.deleteMarkers += 1;
      continue;
    }
    result.versions += 1;
    result.bytes += entry.size;
    if (isArchived(entry)) {
      result.archivedVersions += 1;
      result.archivedBytes += entry.size;
    }
  }
  const nextCursor = nextCursorOf(page);
  return nextCursor ? { nextCursor, ...result } : result;
}
