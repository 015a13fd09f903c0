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
  shapeAfterArchive,
} from './fixtures.js';

const bucket = bucketName('big-shared');
const acme = { customerId: 'acme', bucket, prefix: 'acme/' };
const bulk = { customerId: 'bulk', bucket, prefix: 'bulk/' };

// Scale is the benchmark's business (npm run bench): this proves the same code paths on a few hundred
// versions, with pages of 100 entries so that every path runs over several pages.
const PAGE_SIZE = 100;
const KEYS = 100;
const VERSIONS_PER_KEY = 3;
const VERSIONS = KEYS * VERSIONS_PER_KEY;
const DELETED = KEYS / 10;
const COLD = KEYS / 25;
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/0b2c3d4e-1111-2222-3333-444455556666';

/** acme/: 100 keys x 3 versions; every 10th key deleted, every 25th already in GLACIER, some encrypted, some odd names. */
function acmeHistories(): Map<string, History[]> {
  const histories = new Map<string, History[]>();
  for (let i = 0; i < KEYS; i++) {
    const key = i % 25 === 4 ? `acme/odd names/${i} + ünïcode & %20.csv` : `acme/data/${String(i).padStart(5, '0')}.parquet`;
    const options =
      i % 25 === 1
        ? { StorageClass: 'GLACIER' as const }
        : i % 10 === 2
          ? { ServerSideEncryption: 'AES256' as const }
          : i % 10 === 3
            ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: KMS_KEY }
            : {};
    const history: History[] = Array.from({ length: VERSIONS_PER_KEY }, (_, v) => ({ body: `acme ${i} version ${v}`, ...options }));
    if (i % 10 === 0) history.push('delete');
    histories.set(key, history);
  }
  return histories;
}

/** acme-corp/: 30 keys x 3 versions, some deleted, some partly in GLACIER. */
function corpHistories(): Map<string, History[]> {
  const histories = new Map<string, History[]>();
  for (let i = 0; i < 30; i++) {
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

/** bulk/: just over 1,000 entries, to count the purge's requests per 1,000. */
function bulkHistories(): Map<string, History[]> {
  return new Map(Array.from({ length: 350 }, (_, i) => [`bulk/${i}`, [{ body: `a${i}` }, { body: `b${i}` }, { body: `c${i}` }, ...(i < 20 ? ['delete' as const] : [])]]));
}

const perThousand = (requests: number, versions: number) => Math.round((requests / versions) * 1000 * 10) / 10;

describe('S3 archive and purge, page by page, next to a neighbour (moto + PostgreSQL)', () => {
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
      { id: 'bulk', name: 'Bulk', organization: 'Bulk', resources: [{ kind: 's3', bucket, prefix: 'bulk/' }] },
    ]);
    clients = clientsFor(testConfig({ database: { url: inventory.url } }));
    activityS3 = new S3Client({ region: 'us-east-1', endpoint: stack().motoEndpoint, forcePathStyle: true, maxAttempts: 3 });
    counter = countRequests(activityS3);
    s3 = createS3Activities({ s3: activityS3, db: clients.db, sts: clients.sts }, { opsRoleArn: OPS_ROLE_ARN, pageSize: PAGE_SIZE });
    await createBucket(clients.s3, bucket);

    const started = performance.now();
    await Promise.all([seed(clients.s3, bucket, acmeHistories(), 16), seed(clients.s3, bucket, corpHistories(), 4), seed(clients.s3, bucket, bulkHistories(), 16)]);
    timings.seedMs = Math.round(performance.now() - started);
    before = await snapshot(clients.s3, bucket, 'acme/');
    neighbour = await snapshot(clients.s3, bucket, 'acme-corp/');
  }, 120_000);
  afterAll(async () => {
    console.info(`S3 big test timings: ${JSON.stringify(timings)}`);
    activityS3?.destroy();
    await clients?.close();
    await inventory?.close();
  });

  it('seeded what it meant to', () => {
    expect(totals(before)).toMatchObject({ versions: VERSIONS, deleteMarkers: DELETED });
    expect(totals(neighbour)).toMatchObject({ versions: 90, deleteMarkers: 5 });
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
      archivedVersions: COLD * VERSIONS_PER_KEY,
      archivedBytes: glacier.reduce((s, v) => s + v.size!, 0),
      pages: 4, // 310 entries, 100 a page
    });
  });

  it('archives acme/ page by page: every version in GLACIER, current ones still current, acme-corp/ untouched', async () => {
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
      expect(cursor?.versionIdMarker).toBeUndefined(); // a key is never split
    } while (cursor);
    timings.archiveMs = Math.round(performance.now() - started);
    const requests = Object.fromEntries(counter.counts);
    timings.archiveRequests = counter.total();
    console.info(
      `archive: ${sum.pages} pages, ${counter.total()} requests for ${VERSIONS} versions ` +
        `(${perThousand(counter.total(), VERSIONS)} per 1,000): ${JSON.stringify(requests)}`,
    );
    const toMove = VERSIONS - COLD * VERSIONS_PER_KEY;
    expect(heartbeats).toBeGreaterThan(0);
    // 310 entries in pages of at most 100, cut at key boundaries (3-4 entries a key): 4 pages.
    expect(sum).toMatchObject({ archived: toMove, alreadyArchived: COLD * VERSIONS_PER_KEY, deleteMarkers: DELETED, reorderedKeys: 0, pages: 4 });
    // Per version to move: HeadObject + CopyObject; per deleted key: one DeleteObject for its marker and one
    // listing of the key to check it is still deleted; per page a listing, the versioning and Object Lock
    // configuration, and two DeleteObjects at most. Nothing per version beyond that.
    expect(requests).toMatchObject({
      HeadObjectCommand: toMove,
      CopyObjectCommand: toMove,
      DeleteObjectCommand: DELETED,
      ListObjectVersionsCommand: sum.pages + DELETED,
      GetBucketVersioningCommand: sum.pages,
      GetObjectLockConfigurationCommand: sum.pages,
    });
    expect(requests.DeleteObjectsCommand).toBeLessThanOrEqual(2 * sum.pages);

    const verified = await verifyArchivedAll();
    expect(verified).toEqual({ versions: VERSIONS, deleteMarkers: DELETED, notArchived: 0, sample: [], pages: 4 });
    const after = await snapshot(clients.s3, bucket, 'acme/');
    expect(await shapeAfterArchive(clients.s3, bucket, 'acme/', before)).toEqual(shape(before));
    expect(storageClasses(after)).toEqual(new Set(['GLACIER']));

    // The current version (or the delete marker) as S3 serves it, for a sample of keys.
    const sample = [...before.keys()].filter((_, i) => i % 5 === 0 || i % 10 === 2 || i % 10 === 3 || i % 25 === 4);
    await inParallel(sample, 16, async (Key) => {
      const was = before.get(Key)!;
      const head = clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
      if (was.markers.some((m) => m.isLatest)) {
        await expect(head).rejects.toMatchObject({ name: 'NotFound' });
        return;
      }
      const current = await head;
      expect(current.StorageClass).toBe('GLACIER');
      // A copy (marked with the version it copies), unless it was in GLACIER already.
      const wasArchived = was.versions[0]!.storageClass === 'GLACIER';
      expect(current.Metadata?.['ops-source-version']).toBe(wasArchived ? undefined : was.versions[0]!.versionId);
      // The oldest version's copy kept its encryption.
      const oldest = after.get(Key)!.versions.at(-1)!;
      const sse = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key, VersionId: oldest.versionId }));
      if (Key.endsWith('.parquet')) {
        const i = Number(Key.slice('acme/data/'.length, -'.parquet'.length));
        if (i % 10 === 2) expect(sse.ServerSideEncryption).toBe('AES256');
        if (i % 10 === 3) expect(sse).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY });
      }
    });

    expect(await snapshot(clients.s3, bucket, 'acme-corp/')).toEqual(neighbour);
  });

  it('verifies page by page: each call counts one listing page and hands back the cursor', async () => {
    const first = await s3.verifyS3Archived(acme);
    expect(first.nextCursor).toBeDefined();
    expect(first.versions + first.deleteMarkers).toBe(PAGE_SIZE);
    // A prefix with versions left unarchived: the sample names them, page by page.
    const corp = await s3.verifyS3Archived({ customerId: 'acme-corp', bucket, prefix: 'acme-corp/' });
    expect(corp).toMatchObject({ versions: 90, deleteMarkers: 5, notArchived: 87 });
    expect(corp.nextCursor).toBeUndefined();
    expect(corp.sample).toHaveLength(20);
  });

  it('purges acme/ page by page until nothing is left, acme-corp/ untouched', async () => {
    // Incomplete multipart uploads hold stored parts too: acme's must go, acme-corp's must stay.
    for (const Key of ['acme/upload/big.bin', 'acme-corp/upload/big.bin']) {
      const { UploadId } = await clients.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
      await clients.s3.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: 1, Body: 'part one' }));
    }
    // Before: verification sees the versions, then the upload.
    expect(await verifyPurgedAll(acme)).toMatchObject({ remaining: VERSIONS + DELETED + 1, pages: 4 });

    counter.reset();
    const sum = { deletedVersions: 0, deletedMarkers: 0, bytes: 0, abortedUploads: 0, pages: 0 };
    const started = performance.now();
    for (let more = true; more; ) {
      const page = await runIn(new MockActivityEnvironment(), s3.purgeS3Page, acme);
      for (const k of ['deletedVersions', 'deletedMarkers', 'bytes', 'abortedUploads'] as const) sum[k] += page[k];
      sum.pages += 1;
      more = page.more;
      expect(sum.pages).toBeLessThan(5);
    }
    timings.purgeMs = Math.round(performance.now() - started);
    timings.purgeRequests = counter.total();
    // 310 entries fit one purge page (1,000, whatever the archive's page size).
    expect(sum).toEqual({ deletedVersions: VERSIONS, deletedMarkers: DELETED, bytes: totals(before).bytes, abortedUploads: 1, pages: 1 });
    expect(Object.fromEntries(counter.counts)).toEqual({
      ListObjectVersionsCommand: 1,
      DeleteObjectsCommand: 1,
      ListMultipartUploadsCommand: 1,
      AbortMultipartUploadCommand: 1,
    });

    expect(await verifyPurgedAll(acme)).toEqual({ remaining: 0, sample: [], pages: 1 });
    expect(await s3.purgeS3Page(acme)).toEqual({ deletedVersions: 0, deletedMarkers: 0, bytes: 0, abortedUploads: 0, more: false });
    expect(await snapshot(clients.s3, bucket, 'acme-corp/')).toEqual(neighbour);
    const uploads = await clients.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect((uploads.Uploads ?? []).map((u) => u.Key)).toEqual(['acme-corp/upload/big.bin']);
  });

  it('purges at one ListObjectVersions and one DeleteObjects per 1,000 versions', async () => {
    const was = totals(await snapshot(clients.s3, bucket, 'bulk/'));
    expect(was).toMatchObject({ versions: 1_050, deleteMarkers: 20 });
    counter.reset();
    const sum = { deletedVersions: 0, deletedMarkers: 0, bytes: 0, pages: 0 };
    for (let more = true; more; ) {
      const page = await s3.purgeS3Page(bulk);
      for (const k of ['deletedVersions', 'deletedMarkers', 'bytes'] as const) sum[k] += page[k];
      sum.pages += 1;
      more = page.more;
    }
    // What a manifest entry needs, added up from the pages.
    expect(sum).toEqual({ deletedVersions: 1_050, deletedMarkers: 20, bytes: was.bytes, pages: 2 });
    expect(Object.fromEntries(counter.counts)).toEqual({ ListObjectVersionsCommand: 2, DeleteObjectsCommand: 2, ListMultipartUploadsCommand: 1 });
    console.info(`purge: ${sum.pages} pages, ${counter.total()} requests for 1,070 versions and markers: ${JSON.stringify(Object.fromEntries(counter.counts))}`);
    expect(await verifyPurgedAll(bulk)).toEqual({ remaining: 0, sample: [], pages: 1 });
  });

  /** verifyS3Archived over the whole prefix, page by page, as the workflow loops over it. */
  async function verifyArchivedAll() {
    const sum = { versions: 0, deleteMarkers: 0, notArchived: 0, sample: [] as string[], pages: 0 };
    let cursor: S3Cursor | undefined;
    do {
      const page = await s3.verifyS3Archived({ ...acme, ...(cursor ? { cursor } : {}) });
      sum.versions += page.versions;
      sum.deleteMarkers += page.deleteMarkers;
      sum.notArchived += page.notArchived;
      sum.sample.push(...page.sample);
      sum.pages += 1;
      cursor = page.nextCursor;
    } while (cursor);
    return sum;
  }

  async function verifyPurgedAll(target: typeof acme) {
    const sum = { remaining: 0, sample: [] as string[], pages: 0 };
    let cursor: S3Cursor | undefined;
    do {
      const page = await s3.verifyS3Purged({ ...target, ...(cursor ? { cursor } : {}) });
      sum.remaining += page.remaining;
      if (sum.sample.length < 20) sum.sample.push(...page.sample.slice(0, 20 - sum.sample.length));
      sum.pages += 1;
      cursor = page.nextCursor;
    } while (cursor);
    return sum;
  }
});
