import {
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Activities, type S3Cursor } from '../../../activities/s3/index.js';
import type { ClosableClients } from '../../../worker/clients.js';
import { inventoryDatabase } from '../../helpers/inventory.js';
import { clientsFor, stack, testConfig } from '../../helpers/stack.js';
import {
  bucketName,
  countRequests,
  createBucket,
  inParallel,
  OPS_ROLE_ARN,
  seed,
  shape,
  snapshot,
  storageClasses,
  totals,
  type History,
  runIn,
  type S3Activities,
} from './fixtures.js';

const bucket = bucketName('big-shared');
const acme = { customerId: 'acme', bucket, prefix: 'acme/' };

const KEYS = 2_500;
const VERSIONS_PER_KEY = 4;
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/0b2c3d4e-1111-2222-3333-444455556666';

/** acme/: 2,500 keys x 4 versions; every 10th key deleted, every 100th already in GLACIER, some encrypted, some odd names. */
function acmeHistories(): Map<string, History[]> {
  const histories = new Map<string, History[]>();
  for (let i = 0; i < KEYS; i++) {
    const key = i % 250 === 4 ? `acme/odd names/${i} + ünïcode & %20.csv` : `acme/data/${String(i).padStart(5, '0')}.parquet`;
    const options =
      i % 100 === 1
        ? { StorageClass: 'GLACIER' as const }
        : i % 50 === 2
          ? { ServerSideEncryption: 'AES256' as const }
          : i % 50 === 3
            ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: KMS_KEY }
            : {};
    const history: History[] = Array.from({ length: VERSIONS_PER_KEY }, (_, v) => ({ body: `acme ${i} version ${v}`, ...options }));
    if (i % 10 === 0) history.push('delete');
    histories.set(key, history);
  }
  return histories;
}

/** acme-corp/: 100 keys x 3 versions, some deleted, some partly in GLACIER. */
function corpHistories(): Map<string, History[]> {
  const histories = new Map<string, History[]>();
  for (let i = 0; i < 100; i++) {
    const history: History[] = [
      { body: `corp ${i} v0`, ...(i % 10 === 0 ? { StorageClass: 'GLACIER' as const } : {}) },
      { body: `corp ${i} v1` },
      { body: `corp ${i} v2` },
    ];
    if (i % 7 === 0) history.push('delete');
    histories.set(`acme-corp/${i}.csv`, history);
  }
  return histories;
}

const perThousand = (requests: number, versions: number) => Math.round((requests / versions) * 1000 * 10) / 10;

describe('S3 archive and purge of 10,000 versions next to a neighbour (moto + PostgreSQL)', () => {
  let inventory: Awaited<ReturnType<typeof inventoryDatabase>>;
  let clients: ClosableClients;
  /** The activities get a client of their own, so its requests can be counted apart from the test's. */
  let activityS3: S3Client;
  let counter: ReturnType<typeof countRequests>;
  let s3: S3Activities;
  let before: Awaited<ReturnType<typeof snapshot>>;
  let neighbour: Awaited<ReturnType<typeof snapshot>>;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    inventory = await inventoryDatabase([
      { id: 'acme', name: 'Acme', organization: 'Acme Inc', resources: [{ kind: 's3', bucket, prefix: 'acme/' }] },
      { id: 'acme-corp', name: 'Acme Corp', organization: 'Acme Corp', resources: [{ kind: 's3', bucket, prefix: 'acme-corp/' }] },
    ]);
    clients = clientsFor(testConfig({ database: { url: inventory.url } }));
    activityS3 = new S3Client({ region: 'us-east-1', endpoint: stack().motoEndpoint, forcePathStyle: true, maxAttempts: 3 });
    counter = countRequests(activityS3);
    s3 = createS3Activities({ s3: activityS3, db: clients.db }, { opsRoleArn: OPS_ROLE_ARN });
    await createBucket(clients.s3, bucket);

    const started = performance.now();
    await Promise.all([seed(clients.s3, bucket, acmeHistories(), 32), seed(clients.s3, bucket, corpHistories(), 4)]);
    timings.seedMs = Math.round(performance.now() - started);
    before = await snapshot(clients.s3, bucket, 'acme/');
    neighbour = await snapshot(clients.s3, bucket, 'acme-corp/');
  }, 450_000);
  afterAll(async () => {
    console.info(`S3 big test timings: ${JSON.stringify(timings)}`);
    activityS3?.destroy();
    await clients?.close();
    await inventory?.close();
  });

  it('seeded what it meant to', () => {
    expect(totals(before)).toMatchObject({ versions: 10_000, deleteMarkers: 250 });
    expect(totals(neighbour)).toMatchObject({ versions: 300, deleteMarkers: 15 });
  });

  it('plans the same totals as a listing, page by page', async () => {
    const sum = { versions: 0, deleteMarkers: 0, bytes: 0, archivedVersions: 0, archivedBytes: 0, pages: 0 };
    let cursor: S3Cursor | undefined;
    do {
      const page = await s3.planS3Page({ ...acme, ...(cursor ? { cursor } : {}) });
      for (const k of ['versions', 'deleteMarkers', 'bytes', 'archivedVersions', 'archivedBytes'] as const) sum[k] += page[k];
      sum.pages += 1;
      cursor = page.nextCursor;
    } while (cursor);
    const glacier = [...before.values()].flatMap((k) => k.versions).filter((v) => v.storageClass === 'GLACIER');
    expect(sum).toEqual({
      ...totals(before),
      archivedVersions: 100,
      archivedBytes: glacier.reduce((s, v) => s + v.size!, 0),
      pages: 11, // 10,250 entries, 1,000 a page
    });
  });

  it('archives acme/ page by page: every version in GLACIER, current ones still current, acme-corp/ untouched', { timeout: 450_000 }, async () => {
    counter.reset();
    const env = new MockActivityEnvironment();
    let heartbeats = 0;
    env.on('heartbeat', () => (heartbeats += 1));
    const sum = { archived: 0, alreadyArchived: 0, bytesArchived: 0, deleteMarkers: 0, reorderedKeys: 0, pages: 0 };
    const started = performance.now();
    let cursor: S3Cursor | undefined;
    do {
      const page = await runIn(env, s3.archiveS3Page, { ...acme, storageClass: 'GLACIER' as const, ...(cursor ? { cursor } : {}) });
      for (const k of ['archived', 'alreadyArchived', 'bytesArchived', 'deleteMarkers', 'reorderedKeys'] as const) sum[k] += page[k];
      sum.pages += 1;
      cursor = page.nextCursor;
    } while (cursor);
    timings.archiveMs = Math.round(performance.now() - started);
    const requests = Object.fromEntries(counter.counts);
    timings.archiveRequests = counter.total();
    console.info(
      `archive: ${sum.pages} pages, ${counter.total()} requests for 10,000 versions ` +
        `(${perThousand(counter.total(), 10_000)} per 1,000): ${JSON.stringify(requests)}`,
    );
    expect(heartbeats).toBeGreaterThan(0);
    expect(sum).toMatchObject({ archived: 9_900, alreadyArchived: 100, deleteMarkers: 250, reorderedKeys: 0 });
    // Per version to move: HeadObject + CopyObject; per deleted key: one DeleteObject; per page: a listing,
    // GetBucketVersioning and two DeleteObjects at most.
    expect(requests).toMatchObject({ HeadObjectCommand: 9_900, CopyObjectCommand: 9_900, DeleteObjectCommand: 250 });

    const verified = await s3.verifyS3Archived(acme);
    expect(verified).toEqual({ versions: 10_000, deleteMarkers: 250, notArchived: 0, sample: [] });
    const after = await snapshot(clients.s3, bucket, 'acme/');
    expect(shape(after)).toEqual(shape(before));
    expect(storageClasses(after)).toEqual(new Set(['GLACIER']));

    // The current version (or the delete marker) as S3 serves it, for a sample of keys.
    const sample = [...before.keys()].filter((_, i) => i % 20 === 0 || i % 50 === 2 || i % 50 === 3 || i % 250 === 4);
    await inParallel(sample, 16, async (Key) => {
      const was = before.get(Key)!;
      const head = clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
      if (was.markers.some((m) => m.isLatest)) {
        await expect(head).rejects.toMatchObject({ name: 'NotFound' });
        return;
      }
      const current = await head;
      expect(current.StorageClass).toBe('GLACIER');
      expect(current.ETag).toBe(was.versions[0]!.etag);
      // The oldest version's copy kept its encryption.
      const oldest = after.get(Key)!.versions.at(-1)!;
      const sse = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key, VersionId: oldest.versionId }));
      if (Key.endsWith('.parquet')) {
        const i = Number(Key.slice('acme/data/'.length, -'.parquet'.length));
        if (i % 50 === 2) expect(sse.ServerSideEncryption).toBe('AES256');
        if (i % 50 === 3) expect(sse).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY });
      }
    });

    expect(await snapshot(clients.s3, bucket, 'acme-corp/')).toEqual(neighbour);
  });

  it('purges acme/ page by page until nothing is left, acme-corp/ untouched', { timeout: 450_000 }, async () => {
    // Incomplete multipart uploads hold stored parts too: acme's must go, acme-corp's must stay.
    for (const Key of ['acme/upload/big.bin', 'acme-corp/upload/big.bin']) {
      const { UploadId } = await clients.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
      await clients.s3.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: 1, Body: 'part one' }));
    }

    counter.reset();
    const sum = { deletedVersions: 0, deletedMarkers: 0, bytes: 0, abortedUploads: 0, pages: 0 };
    const started = performance.now();
    for (let more = true; more; ) {
      const page = await runIn(new MockActivityEnvironment(), s3.purgeS3Page, acme);
      for (const k of ['deletedVersions', 'deletedMarkers', 'bytes', 'abortedUploads'] as const) sum[k] += page[k];
      sum.pages += 1;
      more = page.more;
      expect(sum.pages).toBeLessThan(20);
    }
    timings.purgeMs = Math.round(performance.now() - started);
    const requests = Object.fromEntries(counter.counts);
    timings.purgeRequests = counter.total();
    console.info(
      `purge: ${sum.pages} pages, ${counter.total()} requests for 10,250 versions and markers ` +
        `(${perThousand(counter.total(), 10_250)} per 1,000): ${JSON.stringify(requests)}`,
    );
    expect(sum).toEqual({ deletedVersions: 10_000, deletedMarkers: 250, bytes: totals(before).bytes, abortedUploads: 1, pages: 11 });

    expect(await s3.verifyS3Purged(acme)).toEqual({ remaining: 0, sample: [] });
    expect(await s3.purgeS3Page(acme)).toEqual({ deletedVersions: 0, deletedMarkers: 0, bytes: 0, abortedUploads: 0, more: false });
    expect(await snapshot(clients.s3, bucket, 'acme-corp/')).toEqual(neighbour);
    const uploads = await clients.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect((uploads.Uploads ?? []).map((u) => u.Key)).toEqual(['acme-corp/upload/big.bin']);
  });
});
