import type { LifecycleStatus } from '../../common/lifecycle-messages.js';
import type { Progress } from '../../common/lifecycle.js';
import type { DeletionCertificate, DeletionManifest } from '../../common/manifest.js';
import { formatDuration, formatRelative } from '../durations.js';
import { formatTable, plural } from '../output.js';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatProgress(progress: Progress, noun: string): string {
  if (!progress.total && !progress.done) return '-';
  const pct = progress.total ? Math.floor((progress.done / progress.total) * 100) : 100;
  return `${progress.done.toLocaleString('en')} / ${progress.total.toLocaleString('en')} ${noun} (${pct}%), ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`;
}

/** '2026-06-01T…Z (in 30d)': the moment, and how far it is from now. */
export function withRelative(iso: string, now: number): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : `${iso} (${formatRelative(at - now)})`;
}

function shortHold(hold: NonNullable<LifecycleStatus['shortHold']>, customerId: string): string {
  const what = `${formatDuration(hold.requestedSeconds)} instead of the contractual ${formatDuration(hold.contractualSeconds)}`;
  return hold.approvedAt
    ? `${what}, approved by ${hold.approvedBy ?? '?'} at ${hold.approvedAt}`
    : `${what}: PENDING APPROVAL by a second operator (ops approve-hold ${customerId})`;
}

export function formatStatus(status: LifecycleStatus, link: string, now = Date.now()): string {
  const request = status.purgeRequest;
  const purge = !request
    ? '-'
    : request.approvedAt
      ? `${request.requestRef}: requested by ${request.requestedBy}, approved by ${request.approvedBy} at ${request.approvedAt}`
      : status.purgeRequestExpired
        ? `${request.requestRef}: request by ${request.requestedBy} EXPIRED at ${request.expiresAt}`
        : `${request.requestRef}: PENDING APPROVAL by a second operator (requested by ${request.requestedBy}, expires ${withRelative(request.expiresAt, now)})`;
  const rows: [string, string][] = [
    ['customer', status.customerId],
    ['stage', status.stage],
    ['terminated', `${status.terminatedAt} by ${status.terminatedBy}: ${status.reason}${status.ticket ? ` (${status.ticket})` : ''}`],
    ['hold ends', withRelative(status.holdEndsAt, now)],
    ...(status.shortHold ? [['short hold', shortHold(status.shortHold, status.customerId)] as [string, string]] : []),
    ...(status.stuck ? [['STUCK', `in ${status.stuck.stage} since ${withRelative(status.stuck.since, now)}: ${status.stuck.cause}`] as [string, string]] : []),
    ['archive', formatProgress(status.archiveProgress, 'versions archived')],
    ['purge', purge],
    ['purge progress', formatProgress(status.purgeProgress, 'versions and markers purged')],
    ...(status.reinstated ? [['reinstated', `${status.reinstated.at} by ${status.reinstated.by}: ${status.reinstated.reason}`] as [string, string]] : []),
    ...(status.certificateId ? [['certificate', `${status.certificateId} (ops certificate ${status.customerId})`] as [string, string]] : []),
    ['resources', status.resources.join(', ') || '-'],
    ['workflow', link],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const head = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  const events = status.events.slice(-8).map((e) => [e.at, e.what, e.by ?? '']);
  return `${head}\n\nrecent events:\n${formatTable(['AT', 'WHAT', 'BY'], events)}`;
}

export function formatManifest(manifest: DeletionManifest): string {
  const rows = [
    ...manifest.s3.map((s) => [`s3://${s.bucket}/${s.prefix}`, `${plural(s.versions, 'version')}, ${plural(s.deleteMarkers, 'delete marker')}`, formatBytes(s.bytes)]),
    ...manifest.warehouses.map((w) => [
      `${w.kind}:${w.identifier}`,
      `${w.exists ? (w.kind === 'redshift' ? 'cluster' : 'instance') + ' + ' : ''}${plural(w.snapshots.length, 'snapshot')}${w.snapshots.length ? ` (${w.snapshots.join(', ')})` : ''}`,
      '',
    ]),
  ];
  const t = manifest.totals;
  const total = `total: ${plural(t.objectVersions, 'object version')}, ${plural(t.deleteMarkers, 'delete marker')}, ${formatBytes(t.bytes)}, ${plural(t.clusters, 'cluster')}, ${plural(t.instances, 'instance')}, ${plural(t.snapshots, 'snapshot')}`;
  return `${formatTable(['WHERE', 'WHAT', 'SIZE'], rows)}\n\n${total}`;
}

export function formatCertificate(certificate: DeletionCertificate): string {
  const rows: [string, string][] = [
    ['certificate', certificate.id],
    ['customer', certificate.customerId],
    ['request', `${certificate.requestRef}, by ${certificate.requestedBy} at ${certificate.requestedAt}`],
    ['approved', `by ${certificate.approvedBy} at ${certificate.approvedAt}`],
    ['purge', `${certificate.purgeStartedAt} → ${certificate.purgeFinishedAt}`],
    ['verified', `${certificate.verification.verifiedAt}: ${plural(certificate.verification.s3Remaining, 'S3 version')} and ${plural(certificate.verification.warehouseRemaining.length, 'warehouse item')} remain`],
    ['issued', certificate.issuedAt],
    ['manifest digest', certificate.manifestDigest],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n\nremoved:\n${formatManifest(certificate.manifest)}`;
}
