import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import type { MockActivityEnvironment } from '@temporalio/testing';
import { SOURCE_VERSION_METADATA } from '../../../activities/s3/archive-key.js';
import type { createS3Activities } from '../../../activities/s3/index.js';
import { stack, uniqueName } from '../../helpers/stack.js';

export const OPS_ROLE_ARN = 'arn:aws:iam::123456789012:role/lifecycle-ops';

/** A bucket name no other test file uses (moto is shared by the whole run). */
export function bucketName(label: string): string {
  return uniqueName(label).toLowerCase().replace(/_/g, '-');
}

export async function createBucket(s3: S3Client, bucket: string, versioned = true): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (versioned) await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** Runs tasks with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** One key's history, oldest first: each item a version (its body and options) or a delete. */
export type History = ({ body: string } & Omit<PutObjectCommandInput, 'Bucket' | 'Key' | 'Body'>) | 'delete';

/** Writes each key's history in order, `concurrency` keys at a time. */
export async function seed(s3: S3Client, bucket: string, histories: Map<string, History[]>, concurrency = 32): Promise<void> {
  await inParallel([...histories], concurrency, async ([key, history]) => {
    for (const step of history) {
      if (step === 'delete') await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      else {
        const { body, ...options } = step;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...options }));
      }
    }
  });
}

export interface ListedEntry {
  versionId: string;
  deleteMarker: boolean;
  isLatest: boolean;
  etag?: string;
  size?: number;
  storageClass?: string;
}

/** Everything under a prefix, by key; each key's versions and its delete markers, newest first. */
export async function snapshot(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, { versions: ListedEntry[]; markers: ListedEntry[] }>> {
  const keys = new Map<string, { versions: ListedEntry[]; markers: ListedEntry[] }>();
  const at = (key: string) => {
    let k = keys.get(key);
    if (!k) keys.set(key, (k = { versions: [], markers: [] }));
    return k;
  };
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    // S3 answers at most 1,000 a page; moto takes any MaxKeys, and copies the whole bucket on every call, so
    // one big page saves seconds on a bucket of 10,000 versions.
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, VersionIdMarker, MaxKeys: 100_000 }));
    for (const v of out.Versions ?? []) {
      at(v.Key!).versions.push({
        versionId: v.VersionId!,
        deleteMarker: false,
        isLatest: v.IsLatest === true,
        etag: v.ETag!,
        size: v.Size!,
        storageClass: v.StorageClass ?? 'STANDARD',
      });
    }
    for (const m of out.DeleteMarkers ?? []) at(m.Key!).markers.push({ versionId: m.VersionId!, deleteMarker: true, isLatest: m.IsLatest === true });
    if (!out.IsTruncated) return keys;
    KeyMarker = out.NextKeyMarker;
    VersionIdMarker = out.NextVersionIdMarker;
  }
}

export function totals(snap: Awaited<ReturnType<typeof snapshot>>): { versions: number; deleteMarkers: number; bytes: number } {
  let versions = 0;
  let deleteMarkers = 0;
  let bytes = 0;
  for (const k of snap.values()) {
    versions += k.versions.length;
    deleteMarkers += k.markers.length;
    bytes += k.versions.reduce((s, v) => s + (v.size ?? 0), 0);
  }
  return { versions, deleteMarkers, bytes };
}

export { countRequests } from '../../helpers/s3-requests.js';

export type S3Activities = ReturnType<typeof createS3Activities>;

export { expectNonRetryable } from '../../helpers/failures.js';

/** What archiving must keep of each key: its versions' contents in order (oldest first), its markers, deleted or not. */
export function shape(snap: Awaited<ReturnType<typeof snapshot>>): Map<string, { etags: string[]; markers: number; deleted: boolean }> {
  return new Map(
    [...snap].map(([key, k]) => [
      key,
      { etags: k.versions.map((v) => v.etag!).reverse(), markers: k.markers.length, deleted: k.markers.some((m) => m.isLatest) },
    ]),
  );
}

export function storageClasses(snap: Awaited<ReturnType<typeof snapshot>>): Set<string> {
  return new Set([...snap.values()].flatMap((k) => k.versions.map((v) => v.storageClass!)));
}

/** `env.run` with the activity's own result type (the SDK's signature cannot infer it). */
export function runIn<A extends unknown[], R>(env: MockActivityEnvironment, activity: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run<A, R, typeof activity>(activity, ...args);
}

/**
 * shape() after an archive, where S3 gives copies of SSE-KMS and multipart sources a new ETag: each copy counts
 * with the ETag of the source its mark names (from `before`), so the shapes compare content, not ETags.
 */
export async function shapeAfterArchive(
  s3: S3Client,
  bucket: string,
  prefix: string,
  before: Awaited<ReturnType<typeof snapshot>>,
): Promise<ReturnType<typeof shape>> {
  const after = await snapshot(s3, bucket, prefix);
  const etagBefore = new Map([...before].flatMap(([, k]) => k.versions.map((v) => [v.versionId, v.etag!] as const)));
  await inParallel([...after], 16, async ([Key, k]) => {
    for (const v of k.versions) {
      if (etagBefore.has(v.versionId)) continue; // not a copy
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key, VersionId: v.versionId }));
      const source = head.Metadata?.[SOURCE_VERSION_METADATA];
      if (source !== undefined && etagBefore.has(source)) v.etag = etagBefore.get(source)!;
    }
  });
  return shape(after);
}

/** A client of its own for the activities, so faults can be injected and requests counted apart from the test's. */
export function activityClient(): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: stack().motoEndpoint, forcePathStyle: true, maxAttempts: 1 });
}

/**
 * Runs `before` ahead of every request of `command` the client sends (from the `after`-th on): to fail it (throw,
 * as a crash at that point would), slow it down, or change S3 behind the activity's back. Returns a remover.
 */
export function onCommand(
  s3: S3Client,
  command: string,
  before: (call: number) => Promise<void> | void,
  after = 1,
): { calls: () => number; remove: () => void } {
  const name = `onCommand-${command}-${uniqueName('m')}`;
  let calls = 0;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command && ++calls >= after) await before(calls);
      return next(args);
    },
    { step: 'finalizeRequest', name },
  );
  return { calls: () => calls, remove: () => void s3.middlewareStack.remove(name) };
}

/** An error as the SDK raises it for an S3 error code. */
export function s3Error(code: string, message = code, status = 400): Error {
  return Object.assign(new Error(message), { name: code, Code: code, $fault: 'client', $metadata: { httpStatusCode: status } });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
