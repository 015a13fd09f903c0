import { Command, CommanderError } from 'commander';
import { registerConfigCommands } from './commands/config-show.js';
import { registerCustomerCommands } from './commands/customers.js';
import { registerLifecycleCommands } from './commands/lifecycle.js';
import { registerRecordCommands } from './commands/records.js';
import { registerDevCommand } from './commands/dev.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerWorkerCommand } from './commands/worker.js';
import { UnavailableError } from '../common/errors.js';
import { CliError, EXIT } from './exit-codes.js';

export function buildProgram(): Command {
  const program = new Command('ops')
    .description('operate the data platform\'s lifecycle promises through durable Temporal workflows')
    .option('-c, --config <file>', 'config file (YAML or JSON); default $OPS_CONFIG or ~/.config/lifecycle-ops/config.yaml')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .addHelpText(
      'after',
      `\nExit status: ${EXIT.OK} ok, ${EXIT.FAILURE} failed/refused/unhealthy, ${EXIT.USAGE} usage, ${EXIT.DATA} invalid input data,\n${EXIT.NOT_FOUND} no such customer/lifecycle, ${EXIT.UNAVAILABLE} Temporal/database/AWS unreachable, ${EXIT.CONFIG} configuration.`,
    );
  registerLifecycleCommands(program);
  registerCustomerCommands(program);
  registerRecordCommands(program);
  registerDoctorCommand(program);
  registerConfigCommands(program);
  registerWorkerCommand(program);
  registerDevCommand(program);
  // Subcommands inherit the error handling so their usage errors exit like the root's.
  const all = (command: Command): Command[] => [command, ...command.commands.flatMap(all)];
  for (const command of all(program).slice(1)) command.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (err instanceof CliError) {
      process.stderr.write(`ops: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof UnavailableError) {
      process.stderr.write(`ops: ${err.message}\n`);
      return EXIT.UNAVAILABLE;
    }
    process.stderr.write(`ops: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.SOFTWARE;
  }
}
