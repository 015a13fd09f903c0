import type { LifecycleStatus } from '../../common/lifecycle-messages.js';
import type { Progress } from '../../common/lifecycle.js';
import type { DeletionCertificate, DeletionManifest } from '../../common/manifest.js';
import { formatTable } from '../output.js';

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

function until(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return 'passed';
  const hours = Math.floor(ms / 3_600_000);
  return hours >= 48 ? `in ${Math.floor(hours / 24)}d` : hours >= 1 ? `in ${hours}h` : `in ${Math.ceil(ms / 60_000)}m`;
}

export function formatStatus(status: LifecycleStatus, link: string, now = Date.now()): string {
  const request = status.purgeRequest;
  const purge = !request
    ? '-'
    : request.approvedAt
      ? `${request.requestRef}: requested by ${request.requestedBy}, approved by ${request.approvedBy} at ${request.approvedAt}`
      : status.purgeRequestExpired
        ? `${request.requestRef}: request by ${request.requestedBy} EXPIRED at ${request.expiresAt}`
        : `${request.requestRef}: PENDING APPROVAL by a second operator (requested by ${request.requestedBy}, expires ${request.expiresAt})`;
  const rows: [string, string][] = [
    ['customer', status.customerId],
    ['stage', status.stage],
    ['terminated', `${status.terminatedAt} by ${status.terminatedBy}: ${status.reason}${status.ticket ? ` (${status.ticket})` : ''}`],
    ['hold ends', `${status.holdEndsAt} (${until(status.holdEndsAt, now)})`],
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
    ...manifest.s3.map((s) => [`s3://${s.bucket}/${s.prefix}`, `${s.versions.toLocaleString('en')} versions, ${s.deleteMarkers.toLocaleString('en')} delete markers`, formatBytes(s.bytes)]),
    ...manifest.warehouses.map((w) => [
      `${w.kind}:${w.identifier}`,
      `${w.exists ? (w.kind === 'redshift' ? 'cluster' : 'instance') + ' + ' : ''}${w.snapshots.length} snapshots${w.snapshots.length ? ` (${w.snapshots.join(', ')})` : ''}`,
      '',
    ]),
  ];
  const t = manifest.totals;
  const total = `total: ${t.objectVersions.toLocaleString('en')} object versions, ${t.deleteMarkers.toLocaleString('en')} delete markers, ${formatBytes(t.bytes)}, ${t.clusters} clusters, ${t.instances} instances, ${t.snapshots} snapshots`;
  return `${formatTable(['WHERE', 'WHAT', 'SIZE'], rows)}\n\n${total}`;
}

export function formatCertificate(certificate: DeletionCertificate): string {
  const rows: [string, string][] = [
    ['certificate', certificate.id],
    ['customer', certificate.customerId],
    ['request', `${certificate.requestRef}, by ${certificate.requestedBy} at ${certificate.requestedAt}`],
    ['approved', `by ${certificate.approvedBy} at ${certificate.approvedAt}`],
    ['purge', `${certificate.purgeStartedAt} → ${certificate.purgeFinishedAt}`],
    ['verified', `${certificate.verification.verifiedAt}: ${certificate.verification.s3Remaining} S3 versions and ${certificate.verification.warehouseRemaining.length} warehouse items remain`],
    ['issued', certificate.issuedAt],
    ['manifest digest', certificate.manifestDigest],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n\nremoved:\n${formatManifest(certificate.manifest)}`;
}
