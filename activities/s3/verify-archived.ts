import { isArchived } from './archive-key.js';
import type { S3Deps } from './deps.js';
import { listVersionsPage, describeEntry, nextCursorOf } from './listing.js';
import type { VerifyS3ArchivedResult, VerifyS3Input } from './types.js';

const SAMPLE_SIZE = 20;

/**
 * Lists one page under the target again and counts what is not in an archive class (read only). Paged like
 * planS3Page, so a prefix of any size is verified in short calls with the workflow keeping the cursor.
 */
export async function verifyS3Archived({ s3 }: S3Deps, pageSize: number, input: VerifyS3Input): Promise<VerifyS3ArchivedResult> {
  const page = await listVersionsPage(s3, input, {
    ...(input.cursor?.keyMarker !== undefined ? { keyMarker: input.cursor.keyMarker } : {}),
    ...(input.cursor?.versionIdMarker !== undefined ? { versionIdMarker: input.cursor.versionIdMarker } : {}),
    maxKeys: pageSize,
  });
  const result: VerifyS3ArchivedResult = { versions: 0, deleteMarkers: 0, notArchived: 0, sample: [] };
  for (const entry of page.entries) {
    if (entry.deleteMarker) {
      result.deleteMarkers += 1;
      continue;
    }
    result.versions += 1;
    if (!isArchived(entry)) {
      result.notArchived += 1;
      if (result.sample.length < SAMPLE_SIZE) result.sample.push(`${describeEntry(entry)} (${entry.storageClass})`);
    }
  }
  const nextCursor = nextCursorOf(page);
  return nextCursor ? { nextCursor, ...result } : result;
}
