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

export function formatDuration(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
