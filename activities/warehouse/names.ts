import { createHash } from 'node:crypto';

/** Redshift and RDS snapshot identifiers share these rules: 1-255 letters, digits, hyphens; a letter first; no '--', no trailing '-'. */
const MAX_SNAPSHOT_ID = 255;

/**
 * The final snapshot's identifier: deterministic, so a retry finds what an earlier attempt made.
 * Both services treat identifiers case-insensitively (and store them lowercase), so lowercasing loses nothing;
 * any other repair (collapsed hyphens, truncation) could make two targets share a name, so a short hash of the
 * exact inputs is appended in that case.
 */
export function finalSnapshotId(customerId: string, identifier: string): string {
  const wanted = `lifecycle-final-${customerId}-${identifier}`.toLowerCase();
  const valid = trimHyphens(wanted.replace(/[^a-z0-9-]/g, '-').replace(/-{2,}/g, '-'));
  if (valid === wanted && valid.length <= MAX_SNAPSHOT_ID) return valid;
  const hash = createHash('sha256').update(`${customerId}\0${identifier.toLowerCase()}`).digest('hex').slice(0, 8);
  return `${trimHyphens(valid.slice(0, MAX_SNAPSHOT_ID - hash.length - 1))}-${hash}`;
}

function trimHyphens(id: string): string {
  return id.replace(/-+$/, '');
}
