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
  /** The key was deleted before any attempt started (a delete marker on top): it must end with one on top. */
  deleted: boolean;
}

/** The entry right below a given version of the key (S3 order), when the plan needs to see past the copies. */
export type EntryBelow = (key: string, versionId: string) => Promise<VersionEntry | undefined>;

export const isArchived = (v: VersionEntry): boolean => ARCHIVE_CLASSES.has(v.storageClass ?? 'STANDARD');

/**
 * User metadata every versioned copy carries: the VersionId of its source. S3 gives a copy a new ETag when the
 * source is SSE-KMS or multipart (and a multipart copy always has one), so content cannot tell a copy from its
 * source; this mark can. SDK spelling (the header is x-amz-meta-ops-source-version).
 */
export const SOURCE_VERSION_METADATA = 'ops-source-version';

/**
 * The versions that may be copies made by a crashed attempt: archived versions above the newest source (copies
 * are put on top, and their sources are deleted only after every copy exists). Empty in the normal case, so only
 * a resumed key costs a HeadObject per candidate to read its mark.
 */
export function copyCandidates({ versions }: KeyEntries): VersionEntry[] {
  const newestSource = versions.findIndex((v) => !isArchived(v));
  return newestSource <= 0 ? [] : versions.slice(0, newestSource);
}

/**
 * Plans one key from its complete list of entries (newest first, as listed). A crashed attempt leaves copies on
 * top whose sources still exist: a source is taken as already copied when a candidate copy (see copyCandidates)
 * is marked with its VersionId (`copyMarks`: candidate VersionId -> the source VersionId it carries), so a retry
 * deletes it instead of copying it again, and knows which entries on top are its own.
 */
export async function planKeyArchive(entries: KeyEntries, entryBelow: EntryBelow, copyMarks: ReadonlyMap<string, string>): Promise<KeyArchivePlan> {
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
    deleted: deleteMarkers.some((m) => m.isLatest),
  };
  if (sources.length === 0) return idle;

  // Oldest first, so the copies are made in the order of their sources.
  const candidates = copyCandidates(entries).reverse();
  const copies = new Set<VersionEntry>();
  const toCopy: VersionEntry[] = [];
  for (const source of [...sources].reverse()) {
    // Each copy counts for one source (two copies of one source would be a second, archived version).
    const copy = candidates.find((c) => !copies.has(c) && copyMarks.get(c.versionId) === source.versionId);
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
    deleted,
  };
}
