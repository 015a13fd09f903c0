import { createHash } from 'node:crypto';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  RestoreObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIB } from '../../../activities/s3/copy.js';
import { createS3Activities, type S3Cursor } from '../../../activities/s3/index.js';
import type { ClosableClients } from '../../../worker/clients.js';
import { inventoryDatabase } from '../../helpers/inventory.js';
import { clientsFor, testConfig } from '../../helpers/stack.js';
import {
  activityClient,
  bucketName,
  countRequests,
  createBucket,
  onCommand,
  OPS_ROLE_ARN,
  runIn,
  snapshot,
  storageClasses,
  type S3Activities,
} from './fixtures.js';

const bucket = bucketName('copy-shared');
const big = { customerId: 'big', bucket, prefix: 'big/' };
const paged = { customerId: 'paged', bucket, prefix: 'paged/' };
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/0b2c3d4e-1111-2222-3333-444455556666';

/** A body of `size` bytes that is not one repeated byte, so a part copied from the wrong range shows. */
function body(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  for (let at = 0, n = 0; at < size; n++) at += createHash('sha256').update(`${seed}${n}`).digest().copy(out, at);
  return out;
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('S3 archive: multipart copies and pages bounded by bytes (moto + PostgreSQL)', () => {
  let inventory: Awaited<ReturnType<typeof inventoryDatabase>>;
  let clients: ClosableClients;
  let activityS3: S3Client;
  let counter: ReturnType<typeof countRequests>;
  /** Objects over 8 MiB go multipart, in parts of 5 MiB (moto, like S3, refuses smaller parts but the last). */
  let multipart: S3Activities;
  let byBytes: S3Activities;

  beforeAll(async () => {
    inventory = await inventoryDatabase([
      { id: 'big', name: 'Big', organization: 'Big', resources: [{ kind: 's3', bucket, prefix: 'big/' }] },
      { id: 'paged', name: 'Paged', organization: 'Paged', resources: [{ kind: 's3', bucket, prefix: 'paged/' }] },
    ]);
    clients = clientsFor(testConfig({ database: { url: inventory.url } }));
    activityS3 = activityClient();
    counter = countRequests(activityS3);
    multipart = createS3Activities(
      { s3: activityS3, db: clients.db, sts: clients.sts },
      { opsRoleArn: OPS_ROLE_ARN, multipartThresholdBytes: 8 * MIB, multipartPartBytes: 5 * MIB },
    );
    byBytes = createS3Activities({ s3: activityS3, db: clients.db, sts: clients.sts }, { opsRoleArn: OPS_ROLE_ARN, archivePageBytes: 100 });
    await createBucket(clients.s3, bucket);
  });
  afterAll(async () => {
    activityS3?.destroy();
    await clients?.close();
    await inventory?.close();
  });

  it('copies an object over the threshold part by part, keeping its bytes, headers, tags and encryption', async () => {
    const content = body(12 * MIB + 1, 'big');
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big/large.bin', Body: 'small before' }));
    const put = await clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'big/large.bin',
        Body: content,
        ContentType: 'application/x-parquet',
        CacheControl: 'no-cache',
        Metadata: { origin: 'export' },
        Tagging: 'team=data&tier=cold',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: KMS_KEY,
      }),
    );

    counter.reset();
    expect(await multipart.archiveS3Page({ ...big, storageClass: 'DEEP_ARCHIVE' })).toMatchObject({ archived: 2, alreadyArchived: 0 });
    // 12 MiB + 1 in parts of 5 MiB: three UploadPartCopy; the small older version takes one CopyObject.
    expect(Object.fromEntries(counter.counts)).toMatchObject({
      CreateMultipartUploadCommand: 1,
      UploadPartCopyCommand: 3,
      CompleteMultipartUploadCommand: 1,
      GetObjectTaggingCommand: 1,
      CopyObjectCommand: 1,
    });

    const after = await snapshot(clients.s3, bucket, 'big/');
    expect(storageClasses(after)).toEqual(new Set(['DEEP_ARCHIVE']));
    const [current, older] = after.get('big/large.bin')!.versions;
    expect(after.get('big/large.bin')!.versions).toHaveLength(2);
    expect(older!.size).toBe('small before'.length);
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big/large.bin', VersionId: current!.versionId }));
    expect(head).toMatchObject({
      ContentLength: content.length,
      ContentType: 'application/x-parquet',
      CacheControl: 'no-cache',
      Metadata: { origin: 'export', 'ops-source-version': put.VersionId },
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: KMS_KEY,
      StorageClass: 'DEEP_ARCHIVE',
      TagCount: 2,
    });
    expect(head.ETag).toMatch(/-3"$/);
    // Restored, it reads back byte for byte: every range landed in its part (moto restores current versions only).
    await clients.s3.send(new RestoreObjectCommand({ Bucket: bucket, Key: 'big/large.bin', RestoreRequest: { Days: 1 } }));
    const restored = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/large.bin' }));
    expect(sha(await restored.Body!.transformToByteArray())).toBe(sha(content));
  });

  it('aborts the multipart upload when a part fails, and the next attempt copies the object whole', async () => {
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big/fails.bin', Body: body(11 * MIB, 'fails') }));
    const before = await snapshot(clients.s3, bucket, 'big/');
    const fault = onCommand(
      activityS3,
      'UploadPartCopyCommand',
      () => {
        throw new Error('connection reset');
      },
      2,
    );
    await expect(multipart.archiveS3Page({ ...big, storageClass: 'DEEP_ARCHIVE' })).rejects.toThrow('connection reset');
    fault.remove();
    const uploads = await clients.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'big/' }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await snapshot(clients.s3, bucket, 'big/')).toEqual(before);

    expect(await multipart.archiveS3Page({ ...big, storageClass: 'DEEP_ARCHIVE' })).toMatchObject({ archived: 1, alreadyArchived: 2 });
    expect(storageClasses(await snapshot(clients.s3, bucket, 'big/'))).toEqual(new Set(['DEEP_ARCHIVE']));
  });

  it('aborts the uploads a crashed attempt left open (named in its last heartbeat)', async () => {
    const { UploadId } = await clients.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big/left.bin', StorageClass: 'DEEP_ARCHIVE' }));
    const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { phase: 'copying', openUploads: [{ key: 'big/left.bin', uploadId: UploadId }] } });
    await runIn(retry, multipart.archiveS3Page, { ...big, storageClass: 'DEEP_ARCHIVE' as const });
    const uploads = await clients.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'big/' }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('ends a page once its bytes to archive would pass the limit; a larger key goes alone', async () => {
    const put = (Key: string, size: number, StorageClass?: 'GLACIER') =>
      clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x'.repeat(size), ...(StorageClass ? { StorageClass } : {}) }));
    await put('paged/a', 40);
    await put('paged/b', 30);
    await put('paged/b', 30);
    await put('paged/c', 250);
    await put('paged/d', 50);
    await put('paged/e', 500, 'GLACIER'); // archived already: no bytes to move
    await put('paged/f', 30);

    const pages: { bytes: number; cursor?: S3Cursor }[] = [];
    let cursor: S3Cursor | undefined;
    do {
      const page = await byBytes.archiveS3Page({ ...paged, storageClass: 'GLACIER', ...(cursor ? { cursor } : {}) });
      cursor = page.nextCursor;
      pages.push({ bytes: page.bytesArchived, ...(cursor ? { cursor } : {}) });
    } while (cursor);
    expect(pages).toEqual([
      { bytes: 100, cursor: { keyMarker: 'paged/b' } },
      { bytes: 250, cursor: { keyMarker: 'paged/c' } },
      { bytes: 80 },
    ]);
    expect(storageClasses(await snapshot(clients.s3, bucket, 'paged/'))).toEqual(new Set(['GLACIER']));
  });
});
