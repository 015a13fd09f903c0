import type { Command } from 'commander';
import { stringify } from 'yaml';
import { maskConfig } from '../../common/config-mask.js';
import { ENV_SETTINGS } from '../../common/config.js';
import { configFor } from '../context.js';
import { formatTable, printJson } from '../output.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('show')
    .description('print the effective configuration (secrets masked) and where it came from')
    .option('--json', 'print JSON')
    .action(function (this: Command, options: { json?: boolean }) {
      const { config: effective, sources } = configFor(this);
      const masked = maskConfig(effective);
      if (options.json) return printJson({ config: masked, sources });
      process.stdout.write(stringify(masked));
      process.stdout.write(`\n# sources (lowest precedence first): defaults, ${[...sources, 'environment'].join(', ')}\n`);
    });
  config
    .command('env')
    .description('list the environment variables the suite reads')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      if (options.json) return printJson(ENV_SETTINGS);
      const rows = ENV_SETTINGS.map((s) => [s.env, s.path, s.description]);
      process.stdout.write(`${formatTable(['VARIABLE', 'SETTING', 'MEANING'], rows)}\n`);
    });
}
