import { InvalidArgumentError } from 'commander';
import { durationSeconds } from '../common/durations.js';

export { formatDuration } from '../common/durations.js';

/** '30d', '12h', '90m', '45s' → seconds; the config's own parser, with the command line's error type. */
export function parseDuration(value: string): number {
  let seconds: number;
  try {
    seconds = durationSeconds(value);
  } catch (err) {
    throw new InvalidArgumentError(`expected a duration like 30d, 12h, 90m or 45s (${(err as Error).message})`);
  }
  if (seconds < 1) throw new InvalidArgumentError('a duration must be at least 1s');
  return seconds;
}

/** --timeout: a duration, or a bare number of seconds (as `ops doctor --timeout 60` always took). */
export function parseTimeout(value: string): number {
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : parseDuration(value);
  if (seconds < 1) throw new InvalidArgumentError('expected a duration like 60s or 5m (at least 1s)');
  return seconds;
}

/**
 * How far a moment is from now, in one unit rounded to the nearest (a 30-day hold that began a second
 * ago is 'in 30d', not 'in 29d'): minutes under an hour, hours under two days, days beyond.
 */
export function formatRelative(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 30_000) return 'now';
  const text =
    abs < 59.5 * 60_000 ? `${Math.round(abs / 60_000)}m` : abs < 47.5 * 3_600_000 ? `${Math.round(abs / 3_600_000)}h` : `${Math.round(abs / 86_400_000)}d`;
  return ms > 0 ? `in ${text}` : `${text} ago`;
}
