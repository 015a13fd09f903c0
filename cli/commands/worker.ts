import type { Command } from 'commander';
import { configFor } from '../context.js';
import { positiveInt } from '../parsers.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker against the configured Temporal cluster until SIGINT/SIGTERM')
    .option('--shutdown-grace <seconds>', 'on SIGTERM, how long in-flight activities may finish', positiveInt)
    .option('--no-migrate', 'do not apply pending database migrations at start')
    .option('--log-pretty', 'readable log lines (the default when stderr is a terminal)')
    .option('--no-log-pretty', 'JSON log lines, one object a line (the default otherwise: for log collectors)')
    .addHelpText(
      'after',
      '\nOn SIGINT/SIGTERM the worker stops polling, lets in-flight activities finish within the grace period, then exits 0.',
    )
    .action(async function (this: Command, options: { shutdownGrace?: number; migrate: boolean; logPretty?: boolean }) {
      const { config } = configFor(this);
      if (options.shutdownGrace !== undefined) config.worker.shutdownGraceSeconds = options.shutdownGrace;
      if (!options.migrate) config.database.migrateOnStart = false;
      // Loaded here, not at the top: the worker stack (bundler, native bridge, AWS SDK) would slow every other command.
      const [{ runWorker }, { createLogger }] = await Promise.all([import('../../worker/run-worker.js'), import('../../worker/logger.js')]);
      const pretty = options.logPretty ?? Boolean(process.stderr.isTTY);
      await runWorker(config, { logger: createLogger(config, { component: 'worker' }, { pretty }) });
    });
}
