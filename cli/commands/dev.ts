import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { configFor } from '../context.js';
import { note } from '../output.js';
import { port } from '../parsers.js';

function defaultDataDir(): string {
  return process.env.OPS_DEV_DATA_DIR || join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'lifecycle-ops', 'dev');
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run the whole suite locally: Temporal dev server + UI, moto (AWS), PostgreSQL and a worker')
    .option('--data-dir <dir>', 'where the Temporal and PostgreSQL data live (kept between runs)', defaultDataDir())
    .option('--temporal-port <port>', 'Temporal frontend port', port, 7233)
    .option('--ui-port <port>', 'Temporal UI port', port, 8233)
    .option('--postgres', 'run a PostgreSQL server (from the system) instead of the embedded PGlite database')
    .option('--db-port <port>', 'PostgreSQL port, with --postgres', port, 54329)
    .option('--moto-port <port>', 'moto (AWS emulator) port', port, 5055)
    .option('--log-pretty', 'readable worker log lines (the default when stderr is a terminal)')
    .option('--no-log-pretty', 'JSON worker log lines (the default otherwise)')
    .option('--no-demo', 'do not create the AWS resources of examples/customers.yaml in moto')
    .addHelpText(
      'after',
      '\nFirst run installs the local stack into a per-user cache (a minute or two); later runs start in seconds.\nCtrl-C stops everything: the worker gets a few seconds to finish its activities, a second Ctrl-C stops at once.\nThe next `ops dev` finds the same Temporal history and database.\nmoto keeps its AWS state in memory only: it starts empty each time.',
    )
    .action(async function (
      this: Command,
      options: { dataDir: string; temporalPort: number; uiPort: number; dbPort: number; motoPort: number; postgres?: boolean; logPretty?: boolean; demo: boolean },
    ) {
      const { config } = configFor(this);
      // Loaded here, not at the top: the local stack and the worker would slow every other command.
      const { runDev } = await import('../dev/run-dev.js');
      await runDev(
        config,
        {
          dataDir: resolve(options.dataDir),
          temporalPort: options.temporalPort,
          uiPort: options.uiPort,
          databasePort: options.dbPort,
          motoPort: options.motoPort,
          postgres: Boolean(options.postgres),
          ...(options.logPretty !== undefined ? { logPretty: options.logPretty } : {}),
          demo: options.demo,
        },
        (message: string) => note(`› ${message}`),
      );
    });
}
