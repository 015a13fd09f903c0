import { ListObjectVersionsCommand, type ListObjectVersionsCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { assertUnderPrefix } from './errors.js';
import { sendOptions } from './heartbeat.js';
import type { S3Target } from './types.js';

/** One object version or delete marker, as ListObjectVersions reports it. */
export interface VersionEntry {
  key: string;
  versionId: string;
  deleteMarker: boolean;
  isLatest: boolean;
  /** Versions only (0 for delete markers). */
  size: number;
  etag?: string;
  storageClass?: string;
}

/** A key's entries. S3 lists them newest first; the SDK splits versions from delete markers, so two lists. */
export interface KeyEntries {
  key: string;
  versions: VersionEntry[];
  deleteMarkers: VersionEntry[];
}

export interface ListedPage {
  entries: VersionEntry[];
  truncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** S3 orders keys by their UTF-8 bytes; JavaScript's `<` compares UTF-16 units, which differs above U+FFFF. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * One ListObjectVersions call under the target's prefix; every key must be under it. With a key marker alone,
 * S3 starts after that key; moto instead re-lists all but the newest entry of the marker key, so entries at or
 * before the marker are dropped here (a no-op against S3).
 */
export async function listVersionsPage(
  s3: S3Client,
  target: S3Target,
  page: { keyMarker?: string; versionIdMarker?: string; maxKeys: number },
): Promise<ListedPage> {
  const out: ListObjectVersionsCommandOutput = await s3.send(
    new ListObjectVersionsCommand({
      Bucket: target.bucket,
      Prefix: target.prefix,
      MaxKeys: page.maxKeys,
      ...(page.keyMarker !== undefined ? { KeyMarker: page.keyMarker } : {}),
      ...(page.versionIdMarker !== undefined ? { VersionIdMarker: page.versionIdMarker } : {}),
    }),
    sendOptions(),
  );
  let entries = toEntries(target, out);
  const { keyMarker } = page;
  if (keyMarker !== undefined && page.versionIdMarker === undefined) {
    entries = entries.filter((e) => compareKeys(e.key, keyMarker) > 0);
  }
  return {
    entries,
    truncated: out.IsTruncated === true,
    ...(out.NextKeyMarker !== undefined ? { nextKeyMarker: out.NextKeyMarker } : {}),
    ...(out.NextVersionIdMarker !== undefined ? { nextVersionIdMarker: out.NextVersionIdMarker } : {}),
  };
}

/** The response's versions and delete markers as entries, each key checked against the prefix. */
export function toEntries(target: S3Target, out: Pick<ListObjectVersionsCommandOutput, 'Versions' | 'DeleteMarkers'>): VersionEntry[] {
  const entries: VersionEntry[] = [];
  for (const v of out.Versions ?? []) {
    entries.push({
      key: assertUnderPrefix(target.bucket, target.prefix, v.Key),
      versionId: v.VersionId ?? 'null',
      deleteMarker: false,
      isLatest: v.IsLatest === true,
      size: v.Size ?? 0,
      ...(v.ETag !== undefined ? { etag: v.ETag } : {}),
      storageClass: v.StorageClass ?? 'STANDARD',
    });
  }
  for (const m of out.DeleteMarkers ?? []) {
    entries.push({
      key: assertUnderPrefix(target.bucket, target.prefix, m.Key),
      versionId: m.VersionId ?? 'null',
      deleteMarker: true,
      isLatest: m.IsLatest === true,
      size: 0,
    });
  }
  return entries;
}

/** Groups entries by key, keys in S3's order, each key's versions and markers in listing order (newest first). */
export function groupByKey(entries: readonly VersionEntry[]): KeyEntries[] {
  const byKey = new Map<string, KeyEntries>();
  for (const e of entries) {
    let group = byKey.get(e.key);
    if (!group) byKey.set(e.key, (group = { key: e.key, versions: [], deleteMarkers: [] }));
    (e.deleteMarker ? group.deleteMarkers : group.versions).push(e);
  }
  return [...byKey.values()].sort((a, b) => compareKeys(a.key, b.key));
}

/** `key@versionId`, for samples and messages. */
export function describeEntry(e: Pick<VersionEntry, 'key' | 'versionId'>): string {
  return `${e.key}@${e.versionId}`;
}

/** The cursor that continues after a listed page (S3's own markers), or undefined after the last page. */
export function nextCursorOf(page: ListedPage): { keyMarker?: string; versionIdMarker?: string } | undefined {
  if (!page.truncated) return undefined;
  return {
    ...(page.nextKeyMarker !== undefined ? { keyMarker: page.nextKeyMarker } : {}),
    ...(page.nextVersionIdMarker !== undefined ? { versionIdMarker: page.nextVersionIdMarker } : {}),
  };
}
