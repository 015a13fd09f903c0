// Durations as the config and the CLI write them ('30d', '12h', '90m', '45s'). Pure: workflows may import it.

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** Ten years: anything longer is a typo, and would overflow the timers it feeds. */
export const MAX_DURATION_SECONDS = 10 * 365 * 86_400;

/** '30d' → 2592000. Throws RangeError on anything else, or on a duration over ten years. */
export function durationSeconds(text: string): number {
  const match = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (!match) throw new RangeError(`${JSON.stringify(text)} is not a duration like 30d, 12h, 90m or 45s`);
  const seconds = Number(match[1]) * UNITS[match[2]!]!;
  if (seconds > MAX_DURATION_SECONDS) throw new RangeError(`${text} is longer than ten years`);
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
