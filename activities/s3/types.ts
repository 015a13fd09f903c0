/** Where one customer's data lies in S3: a prefix of a shared bucket, or a whole dedicated bucket (prefix ''). */
export interface S3Target {
  customerId: string;
  bucket: string;
  prefix: string;
}

/**
 * Where the next page starts. planS3Page hands back S3's own markers (it changes nothing, so a marker can point
 * into the middle of a key); archiveS3Page hands back only `keyMarker`, the last key it finished, because the
 * versions it processed are gone and a version marker would point at nothing.
 */
export interface S3Cursor {
  keyMarker?: string;
  versionIdMarker?: string;
  /**
   * verifyS3Purged only: once the versions are listed, where the listing of incomplete multipart uploads goes on
   * (S3's ListMultipartUploads markers). Set only when there are more uploads than one page shows.
   */
  uploadKeyMarker?: string;
  uploadIdMarker?: string;
}

export type ArchiveStorageClass = 'GLACIER' | 'DEEP_ARCHIVE';

/** Classes that count as archived. A version already in either stays: S3 cannot copy it without a restore. */
export const ARCHIVE_CLASSES: ReadonlySet<string> = new Set<string>(['GLACIER', 'DEEP_ARCHIVE']);

export interface S3AccessInput extends S3Target {
  dedicated: boolean;
}

export interface S3AccessResult {
  changed: boolean;
}

export interface PlanS3PageInput extends S3Target {
  cursor?: S3Cursor;
}

export interface PlanS3PageResult {
  nextCursor?: S3Cursor;
  versions: number;
  deleteMarkers: number;
  bytes: number;
  archivedVersions: number;
  archivedBytes: number;
}

export interface ArchiveS3PageInput extends S3Target {
  cursor?: S3Cursor;
  storageClass: ArchiveStorageClass;
}

export interface ArchiveS3PageResult {
  nextCursor?: S3Cursor;
  /** Versions of this page that were not archived when the page started (copied now, or by a crashed attempt). */
  archived: number;
  /** Versions of this page already in an archive class. archived + alreadyArchived = versions of the page. */
  alreadyArchived: number;
  bytesArchived: number;
  /** Delete markers of this page's keys, as they stand after the page (the count is preserved). */
  deleteMarkers: number;
  /**
   * Keys whose current version was already archived while older ones were not: their newest copy now sits on
   * top, so an older version became current (S3 cannot copy an archived version without restoring it).
   */
  reorderedKeys: number;
}

/** The verifications go page by page, like planS3Page: pass back the cursor each page returns until there is none. */
export interface VerifyS3Input extends S3Target {
  cursor?: S3Cursor;
}

/** Counts for one page of the listing only; the caller adds them up. */
export interface VerifyS3ArchivedResult {
  nextCursor?: S3Cursor;
  versions: number;
  deleteMarkers: number;
  notArchived: number;
  sample: string[];
}

/**
 * One purge page: at most 1,000 versions and delete markers (one ListObjectVersions, one DeleteObjects), then,
 * once none is left, the incomplete multipart uploads. The counts are what this page deleted: the S3 part of a
 * manifest entry (versions, deleteMarkers, bytes) adds up from them.
 */
export interface PurgeS3PageResult {
  deletedVersions: number;
  deletedMarkers: number;
  bytes: number;
  /** Incomplete multipart uploads aborted (their parts are stored bytes too). */
  abortedUploads: number;
  more: boolean;
}

export interface VerifyS3PurgedResult {
  nextCursor?: S3Cursor;
  /** Object versions, delete markers and incomplete multipart uploads still under the target, on this page. */
  remaining: number;
  sample: string[];
}
