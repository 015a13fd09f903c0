import { pino, type Logger as PinoLogger } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Config } from '../common/config.js';

/** JSON logs to stderr (stdout stays free for command output). */
export function createLogger(config: Pick<Config, 'log'>, bindings: Record<string, unknown> = {}): PinoLogger {
  return pino({ level: config.log.level, base: { service: 'lifecycle-ops', ...bindings } }, pino.destination(2));
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
