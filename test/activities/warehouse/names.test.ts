import { describe, expect, it } from 'vitest';
import { finalSnapshotId } from '../../../activities/warehouse/index.js';

const VALID = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

describe('finalSnapshotId', () => {
  it('is lifecycle-final-<customer>-<identifier>, the same on every call', () => {
    expect(finalSnapshotId('acme', 'acme-dw')).toBe('lifecycle-final-acme-acme-dw');
    expect(finalSnapshotId('acme', 'acme-dw')).toBe(finalSnapshotId('acme', 'acme-dw'));
  });

  it('lowercases, as both services do with identifiers', () => {
    expect(finalSnapshotId('acme', 'Acme-DW')).toBe('lifecycle-final-acme-acme-dw');
  });

  it('repairs double and trailing hyphens, with a hash so repaired names cannot collide', () => {
    const a = finalSnapshotId('a--b', 'c');
    const b = finalSnapshotId('a-b', 'c');
    const c = finalSnapshotId('acme', 'dw-');
    for (const id of [a, c]) expect(id).toMatch(VALID);
    expect(a).toMatch(/^lifecycle-final-a-b-c-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(c).toMatch(/^lifecycle-final-acme-dw-[0-9a-f]{8}$/);
  });

  it('stays within 255 characters', () => {
    const id = finalSnapshotId('c'.repeat(63), `x${'-y'.repeat(150)}`);
    expect(id.length).toBeLessThanOrEqual(255);
    expect(id).toMatch(VALID);
  });
});
