import { describe, expect, it } from 'vitest';
import { copyCandidates, planKeyArchive, type EntryBelow } from '../../../activities/s3/archive-key.js';
import type { VersionEntry } from '../../../activities/s3/listing.js';
import { denyStatements, samePolicy, withOurs, withoutOurs } from '../../../activities/s3/policy.js';

const KEY = 'acme/k';
/** A version: id, ETag, storage class; S3-listing order is given by the array (newest first). */
const v = (id: string, etag: string, storageClass = 'STANDARD', size = 10): VersionEntry => ({
  key: KEY,
  versionId: id,
  deleteMarker: false,
  isLatest: false,
  size,
  etag: `"${etag}"`,
  storageClass,
});
const dm = (id: string): VersionEntry => ({ key: KEY, versionId: id, deleteMarker: true, isLatest: false, size: 0 });
/** Archived copies made by an attempt, marked with their source's VersionId (their ETag is S3's business). */
const marks = new Map<string, string>();
const copy = (id: string, of: string, etag = `copy-of-${of}`): VersionEntry => {
  marks.set(id, of);
  return v(id, etag, 'GLACIER');
};

/**
 * Builds a key from its full history, newest first (as S3 interleaves it), and an EntryBelow that answers from
 * that order, as S3 would.
 */
function key(...history: VersionEntry[]): { entries: { key: string; versions: VersionEntry[]; deleteMarkers: VersionEntry[] }; below: EntryBelow; lookups: string[] } {
  const listed = history.map((e, i) => ({ ...e, isLatest: i === 0 }));
  const lookups: string[] = [];
  return {
    entries: { key: KEY, versions: listed.filter((e) => !e.deleteMarker), deleteMarkers: listed.filter((e) => e.deleteMarker) },
    lookups,
    below: (_key, versionId) => {
      lookups.push(versionId);
      return Promise.resolve(listed[listed.findIndex((e) => e.versionId === versionId) + 1]);
    },
  };
}

const ids = (entries: VersionEntry[]) => entries.map((e) => e.versionId);

async function plan(k: ReturnType<typeof key>) {
  const p = await planKeyArchive(k.entries, k.below, marks);
  return {
    toCopy: ids(p.toCopy),
    sources: ids(p.sources),
    placeDeleteMarker: p.placeDeleteMarker,
    replaced: ids(p.replacedMarkers),
    alreadyArchived: p.alreadyArchived,
    deleteMarkersAfter: p.deleteMarkersAfter,
    reordered: p.reordered,
    deleted: p.deleted,
  };
}

describe('planKeyArchive: one key, fresh and after a crash', () => {
  it('copies every version of a live key oldest first', async () => {
    expect(await plan(key(v('v3', 'c'), v('v2', 'b'), v('v1', 'a')))).toEqual({
      toCopy: ['v1', 'v2', 'v3'],
      sources: ['v3', 'v2', 'v1'],
      placeDeleteMarker: false,
      replaced: [],
      alreadyArchived: 0,
      deleteMarkersAfter: 0,
      reordered: false,
      deleted: false,
    });
  });

  it('has nothing to do once every version is archived, whatever the markers', async () => {
    expect(await plan(key(dm('d1'), v('g2', 'b', 'GLACIER'), dm('d0'), v('g1', 'a', 'DEEP_ARCHIVE')))).toMatchObject({
      toCopy: [],
      sources: [],
      alreadyArchived: 2,
      deleteMarkersAfter: 2,
    });
  });

  it('keeps a deleted key deleted: a new marker on top replaces the old top one', async () => {
    expect(await plan(key(dm('d1'), v('v2', 'b'), dm('d0'), v('v1', 'a')))).toEqual({
      toCopy: ['v1', 'v2'],
      sources: ['v2', 'v1'],
      placeDeleteMarker: true,
      replaced: ['d1'],
      alreadyArchived: 0,
      deleteMarkersAfter: 2,
      reordered: false,
      deleted: true,
    });
  });

  it('leaves versions already archived where they are and copies only the others', async () => {
    expect(await plan(key(v('v2', 'b'), v('g1', 'a', 'GLACIER')))).toMatchObject({ toCopy: ['v2'], alreadyArchived: 1, reordered: false });
    // An archived version between sources is no copy of theirs, even with the same content.
    expect(await plan(key(v('v3', 'c'), v('g2', 'a', 'GLACIER'), v('v1', 'a')))).toMatchObject({ toCopy: ['v1', 'v3'], alreadyArchived: 1 });
  });

  it('says when the current version was archived already: a copy will become current', async () => {
    expect(await plan(key(v('g2', 'b', 'GLACIER'), v('v1', 'a')))).toMatchObject({ toCopy: ['v1'], alreadyArchived: 1, reordered: true });
  });

  it('after a crash between copy and delete, deletes the source instead of copying it again', async () => {
    const k = key(copy('c1', 'v1'), v('v2', 'b'), v('v1', 'a'));
    expect(await plan(k)).toEqual({
      toCopy: ['v2'],
      sources: ['v2', 'v1'],
      placeDeleteMarker: false,
      replaced: [],
      alreadyArchived: 0,
      deleteMarkersAfter: 0,
      reordered: false,
      deleted: false,
    });
    expect(k.lookups).toEqual([]); // no delete markers: the version below the copy is known from the listing
  });

  it('knows a copy by its mark, not its ETag: S3 gives SSE-KMS and multipart copies a new one', async () => {
    // The copy's ETag differs from its source's: still its copy.
    expect(await plan(key(copy('c1', 'v1', 'other'), v('v1', 'a')))).toMatchObject({ toCopy: [], sources: ['v1'], alreadyArchived: 0, reordered: false });
    // Same ETag and size but no mark: an archived version of the customer's, not a copy; it stays.
    expect(await plan(key(v('g2', 'a', 'GLACIER'), v('v1', 'a')))).toMatchObject({ toCopy: ['v1'], alreadyArchived: 1, reordered: true });
    // A mark naming another version (e.g. one since deleted) is no copy of this source.
    expect(await plan(key(copy('c9', 'gone'), v('v1', 'a')))).toMatchObject({ toCopy: ['v1'], alreadyArchived: 1 });
  });

  it('counts each copy for one source only (two versions with the same content)', async () => {
    expect(await plan(key(copy('c1', 'v1'), v('v2', 'a'), v('v1', 'a')))).toMatchObject({ toCopy: ['v2'], alreadyArchived: 0 });
    expect(await plan(key(copy('c2', 'v2'), copy('c1', 'v1'), v('v2', 'a'), v('v1', 'a')))).toMatchObject({
      toCopy: [],
      sources: ['v2', 'v1'],
      alreadyArchived: 0,
    });
    // Two copies of one source (never made by this code): the second is just another archived version.
    expect(await plan(key(copy('c2b', 'v1'), copy('c1b', 'v1'), v('v1', 'a')))).toMatchObject({ toCopy: [], alreadyArchived: 1 });
  });

  it('after a crash before the new marker, still knows the key was deleted (asks S3 what lies below the copies)', async () => {
    const k = key(copy('c1', 'v1', 'x'), dm('d1'), v('v2', 'b'), v('v1', 'a'));
    expect(await plan(k)).toEqual({
      toCopy: ['v2'],
      sources: ['v2', 'v1'],
      placeDeleteMarker: true,
      replaced: ['d1'],
      alreadyArchived: 0,
      deleteMarkersAfter: 1,
      reordered: false,
      deleted: true,
    });
    expect(k.lookups).toEqual(['c1']);
  });

  it('after a crash with a marker in the middle of a live key, keeps it live', async () => {
    const k = key(copy('c1', 'v1'), v('v2', 'b'), dm('d0'), v('v1', 'a'));
    expect(await plan(k)).toMatchObject({ toCopy: ['v2'], placeDeleteMarker: false, replaced: [], deleteMarkersAfter: 1, deleted: false });
  });

  it('after a crash once the new marker is on top, only deletes the sources and the replaced marker', async () => {
    const k = key(dm('dNew'), copy('c2', 'v2'), copy('c1', 'v1'), dm('d1'), v('v2', 'b'), dm('d0'), v('v1', 'a'));
    expect(await plan(k)).toEqual({
      toCopy: [],
      sources: ['v2', 'v1'],
      placeDeleteMarker: false,
      replaced: ['d1'],
      alreadyArchived: 0,
      deleteMarkersAfter: 2,
      reordered: false,
      deleted: true,
    });
  });

  it('after a crash once the sources are gone, has nothing left to do', async () => {
    expect(await plan(key(dm('dNew'), copy('c2', 'v2'), copy('c1', 'v1'), dm('d1'), dm('d0')))).toMatchObject({
      toCopy: [],
      sources: [],
      alreadyArchived: 2,
      deleteMarkersAfter: 3, // an extra marker at worst, never a key without one
      deleted: true,
    });
  });

  it('names the candidates a resumed key must HEAD: only archived versions above the newest source', () => {
    const entries = (...history: VersionEntry[]) => key(...history).entries;
    expect(ids(copyCandidates(entries(v('v2', 'b'), v('g1', 'a', 'GLACIER'))))).toEqual([]);
    expect(ids(copyCandidates(entries(v('g3', 'c', 'GLACIER'), dm('d1'), v('g2', 'b', 'GLACIER'), v('v1', 'a'))))).toEqual(['g3', 'g2']);
    expect(ids(copyCandidates(entries(v('g1', 'a', 'GLACIER'))))).toEqual([]);
  });
});

describe('bucket policy statements', () => {
  const scope = { bucket: 'b', customerId: 'acme', opsRoleArn: 'arn:aws:iam::1:role/ops', dedicated: false, prefixes: ['acme/', 'acme2/'] };

  it('adds and removes only our statements, whatever shape Statement had', () => {
    const original = { Version: '2012-10-17', Statement: { Sid: 'Theirs', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'x' } };
    const closed = withOurs(original, 'acme', denyStatements(scope));
    expect((closed.Statement as unknown[]).length).toBe(3);
    expect(samePolicy(withoutOurs(closed, 'acme'), original)).toBe(true);
    // Another customer's statements are not ours, even when its id starts with ours.
    const both = withOurs(closed, 'acme-list', denyStatements({ ...scope, customerId: 'acme-list' }));
    expect((withoutOurs(both, 'acme').Statement as { Sid: string }[]).map((s) => s.Sid)).toEqual([
      'Theirs',
      'LifecycleOpsDeny-acme-list',
      'LifecycleOpsDenyList-acme-list',
    ]);
  });

  it('denies a dedicated bucket whole, a shared one on its prefixes and their listing', () => {
    expect(denyStatements({ ...scope, dedicated: true })).toEqual([
      expect.objectContaining({ Sid: 'LifecycleOpsDeny-acme', Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] }),
    ]);
    const [objects, listing] = denyStatements(scope);
    expect(objects).toMatchObject({ Action: 's3:*', Resource: ['arn:aws:s3:::b/acme/*', 'arn:aws:s3:::b/acme2/*'] });
    expect(listing).toMatchObject({ Resource: 'arn:aws:s3:::b', Condition: { StringLike: { 's3:prefix': ['acme/*', 'acme2/*'] } } });
  });
});
