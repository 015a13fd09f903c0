import { isArchived } from './archive-key.js';
import type { S3Deps } from './deps.js';
import { heartbeat } from './heartbeat.js';
import { allVersionPages, describeEntry } from './listing.js';
import type { S3Target, VerifyS3ArchivedResult } from './types.js';

const SAMPLE_SIZE = 20;

/** Lists everything under the target again and counts what is not in an archive class (read only). */
export async function verifyS3Archived({ s3 }: S3Deps, pageSize: number, target: S3Target): Promise<VerifyS3ArchivedResult> {
  const result: VerifyS3ArchivedResult = { versions: 0, deleteMarkers: 0, notArchived: 0, sample: [] };
  for await (const entries of allVersionPages(s3, target, pageSize)) {
    for (const entry of entries) {
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
    heartbeat({ listed: result.versions + result.deleteMarkers });
  }
  return result;
}
