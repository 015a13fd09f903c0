import type { KeyEntries, VersionEntry } from './listing.js';
import { ARCHIVE_CLASSES } from './types.js';

/**
 * What archiving one key takes. The method: copy every version that is not archived onto the same key (oldest
 * first, so the newest copy ends current), place a new delete marker on top if the key was deleted, then delete
 * the sources by VersionId and the delete marker the new one replaced. Nothing here talks to S3.
 */
export interface KeyArchivePlan {
  key: string;
  /** Versions to copy into the archive class, oldest first. */
  toCopy: VersionEntry[];
  /** Every version not yet archived: deleted by VersionId once its copy exists (copied now or by a crashed attempt). */
  sources: VersionEntry[];
  /** The key was deleted: after the copies a plain DeleteObject puts a delete marker back on top. */
  placeDeleteMarker: boolean;
  /** Delete markers the new one takes the place of, deleted last (so the count of delete markers is kept). */
  replacedMarkers: VersionEntry[];
  /** Versions already archived that are not copies of a pending source. */
  alreadyArchived: number;
  bytesArchived: number;
  /** Delete markers the key has once the plan is done. */
  deleteMarkersAfter: number;
  /** The current version was archived but older ones were not: a copy will become current. */
  reordered: boolean;
}

/** The entry right below a given version of the key (S3 order), when the plan needs to see past the copies. */
export type EntryBelow = (key: string, versionId: string) => Promise<VersionEntry | undefined>;

export const isArchived = (v: VersionEntry): boolean => ARCHIVE_CLASSES.has(v.storageClass ?? 'STANDARD');

/**
 * Plans one key from its complete list of entries (newest first, as listed). A crashed attempt leaves copies on
 * top whose sources still exist (sources are deleted only after the copies and the delete marker): a version is
 * taken as already copied when an archived version above every source has its ETag and Size (each copy counts
 * for one source), so a retry deletes it instead of copying it again.
 */
export async function planKeyArchive(entries: KeyEntries, entryBelow: EntryBelow): Promise<KeyArchivePlan> {
  const { key, versions, deleteMarkers } = entries;
  const sources = versions.filter((v) => !isArchived(v));
  const idle: KeyArchivePlan = {
    key,
    toCopy: [],
    sources: [],
    placeDeleteMarker: false,
    replacedMarkers: [],
    alreadyArchived: versions.length,
    bytesArchived: 0,
    deleteMarkersAfter: deleteMarkers.length,
    reordered: false,
  };
  if (sources.length === 0) return idle;

  // Copies of an earlier attempt can only sit above the newest source; match oldest to oldest.
  const candidates = versions.slice(0, versions.indexOf(sources[0]!)).reverse();
  const copies = new Set<VersionEntry>();
  const toCopy: VersionEntry[] = [];
  for (const source of [...sources].reverse()) {
    const copy = candidates.find((c) => !copies.has(c) && c.etag !== undefined && c.etag === source.etag && c.size === source.size);
    if (copy) copies.add(copy);
    else toCopy.push(source);
  }

  // What was on top before any attempt started decides whether the key is deleted and stays so.
  const top = versions.find((v) => v.isLatest) ?? deleteMarkers.find((m) => m.isLatest);
  const oldestCopy = candidates.find((c) => copies.has(c));
  const below = async (): Promise<VersionEntry | undefined> => {
    if (!oldestCopy) return undefined;
    // Without other delete markers the entry below is the next older version; else only S3 knows the order.
    const otherMarkers = deleteMarkers.filter((m) => m !== top);
    if (otherMarkers.length === 0) return versions[versions.indexOf(oldestCopy) + 1];
    return entryBelow(key, oldestCopy.versionId);
  };

  let originalTop: VersionEntry | undefined;
  if (top === undefined) originalTop = undefined;
  else if (top.deleteMarker) originalTop = copies.size > 0 ? ((await below()) ?? top) : top;
  else if (copies.has(top)) originalTop = await below();
  else originalTop = top;

  // A delete marker on top means deleted: our steps never delete a live key, and a marker above copies is ours.
  const deleted = top?.deleteMarker === true || originalTop?.deleteMarker === true;
  const placeDeleteMarker = deleted && (toCopy.length > 0 || top?.deleteMarker !== true);
  const replacedMarkers: VersionEntry[] = [];
  if (deleted) {
    if (placeDeleteMarker && top?.deleteMarker) replacedMarkers.push(top);
    if (originalTop?.deleteMarker && originalTop !== top) replacedMarkers.push(originalTop);
  }

  return {
    key,
    toCopy,
    sources,
    placeDeleteMarker,
    replacedMarkers,
    alreadyArchived: versions.length - sources.length - copies.size,
    bytesArchived: sources.reduce((sum, s) => sum + s.size, 0),
    deleteMarkersAfter: deleteMarkers.length + (placeDeleteMarker ? 1 : 0) - replacedMarkers.length,
    reordered: !deleted && originalTop !== undefined && !originalTop.deleteMarker && isArchived(originalTop),
  };
}
