import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { S3Deps } from './deps.js';
import { assertUnderPrefix } from './errors.js';
import { heartbeat } from './heartbeat.js';
import { allVersionPages, describeEntry } from './listing.js';
import type { S3Target, VerifyS3PurgedResult } from './types.js';

const SAMPLE_SIZE = 20;

/** Lists the target again after a purge: versions, delete markers and incomplete uploads must all be gone. */
export async function verifyS3Purged({ s3 }: S3Deps, pageSize: number, target: S3Target): Promise<VerifyS3PurgedResult> {
  const result: VerifyS3PurgedResult = { remaining: 0, sample: [] };
  const found = (what: string) => {
    result.remaining += 1;
    if (result.sample.length < SAMPLE_SIZE) result.sample.push(what);
  };
  for await (const entries of allVersionPages(s3, target, pageSize)) {
    for (const e of entries) found(e.deleteMarker ? `${describeEntry(e)} (delete marker)` : describeEntry(e));
    heartbeat({ remaining: result.remaining });
  }
  let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
  for (;;) {
    const out = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: target.prefix, MaxUploads: pageSize, ...markers }),
    );
    for (const u of out.Uploads ?? []) found(`${assertUnderPrefix(target.bucket, target.prefix, u.Key)} (incomplete upload ${u.UploadId ?? '?'})`);
    if (!out.IsTruncated) break;
    markers = {
      ...(out.NextKeyMarker !== undefined ? { KeyMarker: out.NextKeyMarker } : {}),
      ...(out.NextUploadIdMarker !== undefined ? { UploadIdMarker: out.NextUploadIdMarker } : {}),
    };
  }
  return result;
}
