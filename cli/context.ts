import type { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../common/config.js';
import { CliError, EXIT } from './exit-codes.js';

export interface GlobalOptions {
  config?: string;
}

/** The effective config for a command, with config problems turned into the config exit code. */
export function configFor(command: Command): { config: Config; sources: string[] } {
  const globals = command.optsWithGlobals<GlobalOptions>();
  try {
    return loadConfig(globals.config ? { configPath: globals.config } : {});
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.CONFIG);
    throw err;
  }
}
