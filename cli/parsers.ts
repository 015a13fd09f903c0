import { InvalidArgumentError } from 'commander';

/** Option parsers: bad values fail at parse time with commander's usage exit, before anything runs. */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive whole number');
  return Number(value);
}

export function port(value: string): number {
  const n = positiveInt(value);
  if (n > 65_535) throw new InvalidArgumentError('expected a port number (1-65535)');
  return n;
}
