import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** '30d', '12h', '90m', '45s' → seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a duration like 30d, 12h, 90m or 45s');
  const seconds = Number(match[1]) * UNITS[match[2]!]!;
  if (seconds < 1) throw new InvalidArgumentError('a duration must be at least 1s');
  return seconds;
}

/** --timeout: a duration, or a bare number of seconds (as `ops doctor --timeout 60` always took). */
export function parseTimeout(value: string): number {
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : parseDuration(value);
  if (seconds < 1) throw new InvalidArgumentError('expected a duration like 60s or 5m (at least 1s)');
  return seconds;
}

/** 2592000 → '30d', 5400 → '1h 30m', 45 → '45s': largest units first, zero parts left out. */
export function formatDuration(seconds: number): string {
  let rest = Math.round(seconds);
  if (rest <= 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join(' ');
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
