import type { Config } from './config-schema.js';

const MASK = '****';

/** The config as it may be shown: secrets replaced, URLs keep everything but their password. */
export function maskConfig(config: Config): Config {
  const copy = structuredClone(config);
  if (copy.temporal.apiKey) copy.temporal.apiKey = MASK;
  copy.database.url = maskUrlPassword(copy.database.url);
  return copy;
}

export function maskUrlPassword(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.password) return raw;
    url.password = MASK;
    return url.toString();
  } catch {
    return MASK; // unparseable: show nothing of it
  }
}
