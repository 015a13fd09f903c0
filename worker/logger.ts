import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Config } from '../common/config.js';

export interface LoggerOptions {
  /** One readable line per entry for a person at a terminal (`ops dev`, `ops worker --log-pretty`); else JSON. */
  pretty?: boolean;
}

/** JSON logs to stderr (stdout stays free for command output), or readable lines when `pretty`. */
export function createLogger(config: Pick<Config, 'log'>, bindings: Record<string, unknown> = {}, options: LoggerOptions = {}): PinoLogger {
  return pino(
    // Temporal's runtime logs errors under `error`: serialize them like `err`, not as `{}`.
    { level: config.log.level, base: { service: 'lifecycle-ops', ...bindings }, serializers: { error: pino.stdSerializers.err } },
    options.pretty ? prettyStream(process.stderr) : pino.destination(2),
  );
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' };
// Fields every entry carries, or that the line shows in its own place.
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'msg', 'service', 'component', 'pid', 'hostname', 'err', 'error']);

/**
 * pino's JSON lines made readable: `12:00:01 INFO  worker polling  taskQueue=lifecycle-ops`, continuation
 * lines indented, errors with their stack. A few lines of code instead of pino-pretty and its dozen
 * dependencies; writes synchronously (stderr is synchronous for files, terminals and pipes on Linux), so
 * nothing is lost when `ops dev` stops.
 */
export function prettyStream(out: { write(text: string): unknown; isTTY?: boolean }): DestinationStream {
  const color = Boolean(out.isTTY) && !process.env.NO_COLOR;
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  return {
    write(line: string) {
      out.write(formatEntry(line, paint));
    },
  };
}

export function formatEntry(line: string, paint: (code: string, text: string) => string = (_, text) => text): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const name = (LEVEL_NAMES[level] ?? String(level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key, value]) => !SHOWN_ELSEWHERE.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)}`);
  const [first = '', ...rest] = (typeof entry.msg === 'string' ? entry.msg : JSON.stringify(entry.msg ?? '')).split('\n');
  const err = (entry.err ?? entry.error) as { stack?: string; message?: string } | undefined;
  const more = [...rest, ...(err ? (err.stack ?? err.message ?? '').split('\n') : [])].map((l) => `    ${l}\n`).join('');
  return `${paint('90', time)} ${paint(LEVEL_COLORS[level] ?? '0', name)} ${first}${fields.length ? `  ${paint('90', fields.join(' '))}` : ''}\n${more}`;
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Lets the Temporal runtime (worker, workflow and activity loggers) write through pino. */
export function temporalLoggerFrom(logger: PinoLogger): TemporalLogger {
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) => logger[LEVELS[level]](meta ?? {}, message);
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}
