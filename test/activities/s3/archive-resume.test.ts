import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyIntoClass, GIB, MIB } from '../../../activities/s3/copy.js';
import { createS3Activities, type ArchiveS3PageResult, type S3Cursor, type S3Target } from '../../../activities/s3/index.js';
import { listVersionsPage } from '../../../activities/s3/listing.js';
import { headSource } from '../../../activities/s3/preflight.js';
import type { ClosableClients } from '../../../worker/clients.js';
import { inventoryDatabase } from '../../helpers/inventory.js';
import { clientsFor, testConfig } from '../../helpers/stack.js';
import {
  activityClient,
  bucketName,
  createBucket,
  expectNonRetryable,
  onCommand,
  OPS_ROLE_ARN,
  seed,
  shape,
  shapeAfterArchive,
  sleep,
  snapshot,
  storageClasses,
  totals,
  type History,
  runIn,
  type S3Activities,
} from './fixtures.js';

const shared = bucketName('resume-shared');
const plain = bucketName('resume-plain');
const suspended = bucketName('resume-suspended');

const beta = { customerId: 'beta', bucket: shared, prefix: 'beta/' };
const gamma = { customerId: 'gamma', bucket: shared, prefix: 'gamma/' };
const delta = { customerId: 'delta', bucket: shared, prefix: 'delta/' };
const weird = { customerId: 'weird', bucket: shared, prefix: 'weird/' };
const kms = { customerId: 'kms', bucket: shared, prefix: 'kms/' };
const slow = { customerId: 'slow', bucket: shared, prefix: 'slow/' };
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Archives page by page until no cursor; sums the pages. */
async function archiveAll(s3: S3Activities, target: S3Target, env = new MockActivityEnvironment()): Promise<ArchiveS3PageResult & { pages: number }> {
  const sum = { archived: 0, alreadyArchived: 0, bytesArchived: 0, deleteMarkers: 0, reorderedKeys: 0, pages: 0 };
  let cursor: S3Cursor | undefined;
  do {
    const page = await runIn(env, s3.archiveS3Page, { ...target, storageClass: 'GLACIER' as const, ...(cursor ? { cursor } : {}) });
    for (const k of ['archived', 'alreadyArchived', 'bytesArchived', 'deleteMarkers', 'reorderedKeys'] as const) sum[k] += page[k];
    sum.pages += 1;
    cursor = page.nextCursor;
  } while (cursor);
  return sum;
}

/**
 * What a worker that died between CopyObject and the source's delete leaves: a copy on top (made by the
 * activity's own copy, so marked like one), the source still there.
 */
async function copyLikeACrashedAttempt(s3: S3Client, target: S3Target, key: string, versionId: string): Promise<void> {
  const { entries } = await listVersionsPage(s3, { ...target, prefix: key }, { maxKeys: 1000 });
  const source = entries.find((e) => e.key === key && e.versionId === versionId)!;
  const head = await headSource(s3, target, source, true);
  await copyIntoClass(s3, target, source, head, 'GLACIER', true, { multipartThresholdBytes: 5 * GIB, multipartPartBytes: 512 * MIB }, new Map());
}

/** Uploads a key as a multipart object (an ETag of the form "…-2", which S3 does not keep on copy). */
async function putMultipart(s3: S3Client, bucket: string, Key: string): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key, Metadata: { origin: 'multipart' } }));
  const parts = [];
  for (const [PartNumber, Body] of [[1, Buffer.alloc(5 * MIB, 1)], [2, Buffer.from('tail')]] as const) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber, Body }));
    parts.push({ PartNumber, ETag });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
}

describe('S3 archive: resuming, page cuts and odd buckets (moto + PostgreSQL)', () => {
  let inventory: Awaited<ReturnType<typeof inventoryDatabase>>;
  let clients: ClosableClients;
  let s3: S3Activities;
  let smallPages: S3Activities;
  /** The activities on a client of their own, for faults and delays injected into its requests. */
  let faultyS3: S3Client;
  let faulty: S3Activities;

  beforeAll(async () => {
    const s3Resource = (bucket: string, prefix: string, dedicated = false) => ({ kind: 's3' as const, bucket, prefix, dedicated });
    inventory = await inventoryDatabase([
      { id: 'beta', name: 'Beta', organization: 'Beta', resources: [s3Resource(shared, 'beta/')] },
      { id: 'gamma', name: 'Gamma', organization: 'Gamma', resources: [s3Resource(shared, 'gamma/')] },
      { id: 'delta', name: 'Delta', organization: 'Delta', resources: [s3Resource(shared, 'delta/')] },
      { id: 'weird', name: 'Weird', organization: 'Weird', resources: [s3Resource(shared, 'weird/')] },
      { id: 'kms', name: 'Kms', organization: 'Kms', resources: [s3Resource(shared, 'kms/')] },
      { id: 'slow', name: 'Slow', organization: 'Slow', resources: [s3Resource(shared, 'slow/')] },
      { id: 'plain', name: 'Plain', organization: 'Plain', resources: [s3Resource(plain, '', true)] },
      { id: 'susp', name: 'Suspended', organization: 'Suspended', resources: [s3Resource(suspended, '', true)] },
    ]);
    clients = clientsFor(testConfig({ database: { url: inventory.url } }));
    s3 = createS3Activities(clients, { opsRoleArn: OPS_ROLE_ARN });
    smallPages = createS3Activities(clients, { opsRoleArn: OPS_ROLE_ARN, pageSize: 3 });
    faultyS3 = activityClient();
    faulty = createS3Activities({ s3: faultyS3, db: clients.db, sts: clients.sts }, { opsRoleArn: OPS_ROLE_ARN });
    await createBucket(clients.s3, shared);
    await createBucket(clients.s3, plain, false);
    await createBucket(clients.s3, suspended);
  });
  afterAll(async () => {
    faultyS3?.destroy();
    await clients?.close();
    await inventory?.close();
  });

  it('resumes after a crash between copy and delete without a duplicate, live keys and deleted ones alike', async () => {
    const histories = new Map<string, History[]>([
      ['beta/live.csv', [{ body: 'live 1' }, { body: 'live 2' }, { body: 'live 3' }]],
      ['beta/deleted.csv', [{ body: 'deleted 1' }, { body: 'deleted 2' }, 'delete']],
      ['beta/middle.csv', [{ body: 'middle 1' }, 'delete', { body: 'middle 2' }]],
      ['beta/done.csv', [{ body: 'done 1' }, 'delete']],
      ['beta/untouched.csv', [{ body: 'untouched 1' }, { body: 'untouched 2' }]],
    ]);
    await seed(clients.s3, shared, histories);
    const before = await snapshot(clients.s3, shared, 'beta/');
    const oldest = (key: string) => before.get(key)!.versions.at(-1)!.versionId;
    // Crashed mid-key: the oldest version copied, its source not yet deleted.
    await copyLikeACrashedAttempt(clients.s3, beta, 'beta/live.csv', oldest('beta/live.csv'));
    await copyLikeACrashedAttempt(clients.s3, beta, 'beta/deleted.csv', oldest('beta/deleted.csv'));
    await copyLikeACrashedAttempt(clients.s3, beta, 'beta/middle.csv', oldest('beta/middle.csv'));
    // Crashed after every copy and the new delete marker, before the deletes.
    await copyLikeACrashedAttempt(clients.s3, beta, 'beta/done.csv', oldest('beta/done.csv'));
    await clients.s3.send(new DeleteObjectCommand({ Bucket: shared, Key: 'beta/done.csv' }));

    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => heartbeats.push(d));
    const result = await runIn(env, s3.archiveS3Page, { ...beta, storageClass: 'GLACIER' as const });
    expect(result).toEqual({ archived: 10, alreadyArchived: 0, bytesArchived: totals(before).bytes, deleteMarkers: 3, reorderedKeys: 0 });
    expect(heartbeats.length).toBeGreaterThan(0);

    const after = await snapshot(clients.s3, shared, 'beta/');
    expect(shape(after)).toEqual(shape(before));
    expect(storageClasses(after)).toEqual(new Set(['GLACIER']));
    expect(await s3.verifyS3Archived(beta)).toEqual({ versions: 10, deleteMarkers: 3, notArchived: 0, sample: [] });
    // Copies of plain objects keep their source's ETag on moto, so here shape() compares content directly.
    await expect(clients.s3.send(new HeadObjectCommand({ Bucket: shared, Key: 'beta/deleted.csv' }))).rejects.toMatchObject({ name: 'NotFound' });
    await expect(clients.s3.send(new HeadObjectCommand({ Bucket: shared, Key: 'beta/done.csv' }))).rejects.toMatchObject({ name: 'NotFound' });
    const middle = await clients.s3.send(new HeadObjectCommand({ Bucket: shared, Key: 'beta/middle.csv' }));
    expect(middle).toMatchObject({ StorageClass: 'GLACIER', ETag: before.get('beta/middle.csv')!.versions[0]!.etag });

    // Again: nothing to do, and every version is still reported once.
    expect(await s3.archiveS3Page({ ...beta, storageClass: 'GLACIER' })).toEqual({
      archived: 0,
      alreadyArchived: 10,
      bytesArchived: 0,
      deleteMarkers: 3,
      reorderedKeys: 0,
    });
    expect(shape(await snapshot(clients.s3, shared, 'beta/'))).toEqual(shape(before));
  });

  it('resumes a crashed page whose copies got new ETags (SSE-KMS, multipart): no duplicate, no deleted key alive again', async () => {
    const k = (body: string): History => ({ body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY });
    await seed(
      clients.s3,
      shared,
      new Map<string, History[]>([
        ['kms/live', [k('live 1'), k('live 2'), k('live 3')]],
        ['kms/deleted', [k('deleted 1'), k('deleted 2'), 'delete']],
        ['kms/middle', [k('middle 1'), 'delete', k('middle 2')]],
        ['kms/reordered', [k('reordered 1'), { body: 'reordered 2', StorageClass: 'GLACIER' }]],
      ]),
    );
    await putMultipart(clients.s3, shared, 'kms/multipart');
    await clients.s3.send(new DeleteObjectCommand({ Bucket: shared, Key: 'kms/multipart' }));
    const before = await snapshot(clients.s3, shared, 'kms/');

    // The crash: every copy and delete marker of the page made, the worker gone before the sources' delete.
    const crash = onCommand(faultyS3, 'DeleteObjectsCommand', () => {
      throw new Error('worker crashed');
    });
    await expect(runIn(new MockActivityEnvironment(), faulty.archiveS3Page, { ...kms, storageClass: 'GLACIER' as const })).rejects.toThrow('worker crashed');
    crash.remove();
    const crashed = await snapshot(clients.s3, shared, 'kms/');
    for (const [key, was] of before) {
      const copies = crashed.get(key)!.versions.slice(0, crashed.get(key)!.versions.length - was.versions.length);
      expect(copies.length, key).toBe(was.versions.filter((v) => v.storageClass !== 'GLACIER').length);
      // As on S3, no copy has the ETag of any version it could be taken for.
      for (const c of copies) expect(was.versions.map((v) => v.etag), key).not.toContain(c.etag);
    }

    const result = await runIn(new MockActivityEnvironment(), faulty.archiveS3Page, { ...kms, storageClass: 'GLACIER' as const });
    expect(result).toEqual({ archived: 9, alreadyArchived: 1, bytesArchived: totals(before).bytes - 'reordered 2'.length, deleteMarkers: 3, reorderedKeys: 1 });
    const after = await snapshot(clients.s3, shared, 'kms/');
    expect(totals(after)).toEqual({ ...totals(before), deleteMarkers: 3 });
    expect(storageClasses(after)).toEqual(new Set(['GLACIER']));
    const { ['kms/reordered']: reordered, ...others } = Object.fromEntries(await shapeAfterArchive(clients.s3, shared, 'kms/', before));
    const { ['kms/reordered']: reorderedBefore, ...othersBefore } = Object.fromEntries(shape(before));
    expect(others).toEqual(othersBefore);
    // The key whose current version was archived before: same versions, its newest copy now on top.
    expect(reordered).toEqual({ ...reorderedBefore, etags: [...reorderedBefore!.etags].reverse() });
    for (const Key of ['kms/deleted', 'kms/multipart']) {
      await expect(clients.s3.send(new HeadObjectCommand({ Bucket: shared, Key })), Key).rejects.toMatchObject({ name: 'NotFound' });
    }
    for (const Key of ['kms/live', 'kms/middle']) {
      expect(await clients.s3.send(new HeadObjectCommand({ Bucket: shared, Key }))).toMatchObject({ StorageClass: 'GLACIER', ServerSideEncryption: 'aws:kms' });
    }
    // And once more: nothing left to do.
    expect(await faulty.archiveS3Page({ ...kms, storageClass: 'GLACIER' })).toMatchObject({ archived: 0, alreadyArchived: 10, deleteMarkers: 3 });
  });

  it('heartbeats on a timer during a long copy, stops when cancelled, and the next run finishes the page', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `slow/${String(i).padStart(2, '0')}`);
    await seed(clients.s3, shared, new Map(keys.map((key) => [key, [{ body: key }, { body: `${key} v2` }] as History[]])));
    const before = await snapshot(clients.s3, shared, 'slow/');

    // Each copy takes 400 ms; the heartbeat timeout is 150 ms, so only a timer keeps the activity alive.
    const delay = onCommand(faultyS3, 'CopyObjectCommand', () => sleep(400));
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 150 });
    const beats: { phase?: string; keysDone?: number }[] = [];
    env.on('heartbeat', (d: { phase?: string; keysDone?: number }) => {
      beats.push(d);
      // Cancel once the copies are under way and several beats came with no key done.
      if (beats.filter((b) => b.phase === 'copying' && b.keysDone === 0).length === 3) env.cancel();
    });
    const run = runIn(env, faulty.archiveS3Page, { ...slow, storageClass: 'GLACIER' as const });
    const failure = await run.then(
      () => undefined,
      (err: unknown) => err,
    );
    delay.remove();
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(beats.filter((b) => b.phase === 'copying' && b.keysDone === 0).length).toBeGreaterThanOrEqual(3);

    // The copies in flight were aborted with the activity (their requests never reached S3), nothing was deleted.
    const stopped = await snapshot(clients.s3, shared, 'slow/');
    expect(storageClasses(stopped)).toEqual(new Set(['STANDARD']));
    expect(totals(stopped)).toEqual(totals(before));

    expect(await runIn(new MockActivityEnvironment(), faulty.archiveS3Page, { ...slow, storageClass: 'GLACIER' as const })).toMatchObject({
      archived: 80,
      alreadyArchived: 0,
    });
    expect(shape(await snapshot(clients.s3, shared, 'slow/'))).toEqual(shape(before));
  });

  it('never splits a key between pages, even when a key has more versions than a page', async () => {
    const histories = new Map<string, History[]>();
    for (let i = 0; i < 7; i++) {
      const history: History[] = Array.from({ length: 1 + (i % 5) }, (_, n) => ({ body: `gamma ${i} v${n}` }));
      if (i % 3 === 0) history.push('delete');
      if (i === 4) history.unshift({ body: 'gamma 4 cold', StorageClass: 'GLACIER' });
      histories.set(`gamma/k${i}`, history);
    }
    await seed(clients.s3, shared, histories);
    const before = await snapshot(clients.s3, shared, 'gamma/');
    const { versions, deleteMarkers } = totals(before);

    // Plan with pages of 3 entries: cursors may point into a key, the totals add up.
    let planned = { versions: 0, deleteMarkers: 0 };
    let cursor: S3Cursor | undefined;
    do {
      const page = await smallPages.planS3Page({ ...gamma, ...(cursor ? { cursor } : {}) });
      planned = { versions: planned.versions + page.versions, deleteMarkers: planned.deleteMarkers + page.deleteMarkers };
      cursor = page.nextCursor;
    } while (cursor);
    expect(planned).toEqual({ versions, deleteMarkers });

    const result = await archiveAll(smallPages, gamma);
    expect(result.archived + result.alreadyArchived).toBe(versions);
    expect(result).toMatchObject({ alreadyArchived: 1, deleteMarkers, reorderedKeys: 0 });
    const after = await snapshot(clients.s3, shared, 'gamma/');
    expect(shape(after)).toEqual(shape(before));
    expect(storageClasses(after)).toEqual(new Set(['GLACIER']));
  });

  it('copies keys that need URL-encoding, keeping every header, metadata, tags and encryption', async () => {
    const keys = ['weird/a b+c%20d.csv', 'weird/naïve/日本語 ?#&=.txt', 'weird/emoji 🎉/x'];
    const headers = {
      ContentType: 'text/csv',
      ContentEncoding: 'gzip',
      ContentDisposition: 'attachment; filename="export.csv"',
      ContentLanguage: 'de-CH',
      CacheControl: 'max-age=60',
      Expires: new Date('2031-01-02T03:04:05Z'),
      WebsiteRedirectLocation: '/elsewhere',
    };
    for (const Key of keys) {
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: shared,
          Key,
          Body: `old ${Key}`,
          ...headers,
          Metadata: { origin: 'import' },
          Tagging: 'team=data',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: KMS_KEY,
        }),
      );
      await clients.s3.send(new PutObjectCommand({ Bucket: shared, Key, Body: `new ${Key}`, ServerSideEncryption: 'AES256' }));
    }
    const before = await snapshot(clients.s3, shared, 'weird/');
    expect(await archiveAll(s3, weird)).toMatchObject({ archived: 6, alreadyArchived: 0, pages: 1 });
    expect(await shapeAfterArchive(clients.s3, shared, 'weird/', before)).toEqual(shape(before));
    const after = await snapshot(clients.s3, shared, 'weird/');
    for (const Key of keys) {
      const [current, older] = after.get(Key)!.versions;
      const [wasCurrent, wasOlder] = before.get(Key)!.versions;
      expect(await clients.s3.send(new HeadObjectCommand({ Bucket: shared, Key, VersionId: older!.versionId }))).toMatchObject({
        StorageClass: 'GLACIER',
        ...headers,
        Metadata: { origin: 'import', 'ops-source-version': wasOlder!.versionId },
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: KMS_KEY,
        TagCount: 1, // moto refuses GetObjectTagging on a GLACIER object (S3 does not): the count must do
      });
      expect(await clients.s3.send(new HeadObjectCommand({ Bucket: shared, Key }))).toMatchObject({
        StorageClass: 'GLACIER',
        ServerSideEncryption: 'AES256',
        ETag: current!.etag,
        Metadata: { 'ops-source-version': wasCurrent!.versionId },
      });
    }
  });

  it('reports a key whose current version was archived before its older ones', async () => {
    await seed(clients.s3, shared, new Map<string, History[]>([['delta/k', [{ body: 'old' }, { body: 'new', StorageClass: 'GLACIER' }]]]));
    expect(await archiveAll(s3, delta)).toMatchObject({ archived: 1, alreadyArchived: 1, reorderedKeys: 1 });
    expect(await s3.verifyS3Archived(delta)).toMatchObject({ versions: 2, notArchived: 0 });
  });

  it('archives a bucket that was never versioned by copying each object onto itself', async () => {
    const target = { customerId: 'plain', bucket: plain, prefix: '' };
    for (let i = 0; i < 5; i++) await clients.s3.send(new PutObjectCommand({ Bucket: plain, Key: `p/${i}`, Body: `plain ${i}`, StorageClass: i === 0 ? 'GLACIER' : 'STANDARD' }));
    const before = await snapshot(clients.s3, plain, '');
    expect(await archiveAll(s3, target)).toMatchObject({ archived: 4, alreadyArchived: 1, deleteMarkers: 0 });
    const after = await snapshot(clients.s3, plain, '');
    expect(shape(after)).toEqual(shape(before));
    expect(storageClasses(after)).toEqual(new Set(['GLACIER']));
    expect(await s3.verifyS3Archived(target)).toEqual({ versions: 5, deleteMarkers: 0, notArchived: 0, sample: [] });
  });

  it('refuses what it cannot do safely, before changing anything', async () => {
    const target = { customerId: 'susp', bucket: suspended, prefix: '' };
    await clients.s3.send(new PutObjectCommand({ Bucket: suspended, Key: 's/1', Body: '1' }));
    await clients.s3.send(new PutBucketVersioningCommand({ Bucket: suspended, VersioningConfiguration: { Status: 'Suspended' } }));
    const before = await snapshot(clients.s3, suspended, '');
    await expectNonRetryable(s3.archiveS3Page({ ...target, storageClass: 'GLACIER' }), 'S3VersioningSuspended');
    await expectNonRetryable(s3.archiveS3Page({ ...target, storageClass: 'STANDARD_IA' as 'GLACIER' }), 'S3InvalidStorageClass');
    await expectNonRetryable(
      s3.archiveS3Page({ ...target, storageClass: 'GLACIER', cursor: { keyMarker: 's/0', versionIdMarker: 'x' } }),
      'S3InvalidCursor',
    );
    expect(await snapshot(clients.s3, suspended, '')).toEqual(before);
    expect(await s3.verifyS3Archived(target)).toEqual({ versions: 1, deleteMarkers: 0, notArchived: 1, sample: [`s/1@${before.get('s/1')!.versions[0]!.versionId} (STANDARD)`] });
  });
});
