import { Command, CommanderError, Option } from 'commander';
import { registerConfigCommands } from './commands/config-show.js';
import { registerCustomerCommands } from './commands/customers.js';
import { registerLifecycleCommands } from './commands/lifecycle.js';
import { registerRecordCommands } from './commands/records.js';
import { registerDevCommand } from './commands/dev.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerOperatorCommands } from './commands/operator.js';
import { registerWorkerCommand } from './commands/worker.js';
import { ConfigError } from '../common/config.js';
import { NotPermittedError, UnavailableError } from '../common/errors.js';
import { parseTimeout } from './durations.js';
import { CliError, EXIT } from './exit-codes.js';
import { auditRefusal, rememberAction } from './refusal-audit.js';
import { DEFAULT_TIMEOUT_SECONDS, grpcCode, setCallTimeout } from './temporal.js';

export function buildProgram(): Command {
  const program = new Command('ops')
    .description('operate the data platform\'s lifecycle promises through durable Temporal workflows')
    .option('-c, --config <file>', 'config file (YAML or JSON); default $OPS_CONFIG or ~/.config/lifecycle-ops/config.yaml')
    .addOption(
      new Option('--timeout <duration>', 'give up waiting for Temporal and its worker after this, e.g. 30s or 5m (--wait and --watch keep polling longer)')
        .env('OPS_TIMEOUT')
        .default(DEFAULT_TIMEOUT_SECONDS, '60s')
        .argParser(parseTimeout),
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    // Every command's --help lists the global options too (--config, --timeout).
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      'after',
      `\nExit status: ${EXIT.OK} ok, ${EXIT.FAILURE} failed/refused/unhealthy, ${EXIT.USAGE} usage, ${EXIT.DATA} invalid input data,\n${EXIT.NOT_FOUND} no such customer/lifecycle, ${EXIT.UNAVAILABLE} Temporal/database/AWS unreachable or no worker answering,
${EXIT.NOPERM} not allowed (operator key, AWS permissions), ${EXIT.CONFIG} configuration.\nOPS_DEBUG=1 prints the stack of an error.`,
    )
    .hook('preAction', (root, actionCommand) => {
      setCallTimeout(root.opts<{ timeout: number }>().timeout);
      rememberAction(actionCommand);
    });
  registerLifecycleCommands(program);
  registerCustomerCommands(program);
  registerRecordCommands(program);
  registerOperatorCommands(program);
  registerDoctorCommand(program);
  registerConfigCommands(program);
  registerWorkerCommand(program);
  registerDevCommand(program);
  // Subcommands inherit the error handling and help layout so their usage errors exit like the root's.
  for (const command of allCommands(program).slice(1)) {
    command.exitOverride().showHelpAfterError('(run with --help for usage)').configureHelp({ showGlobalOptions: true });
  }
  return program;
}

/** The program and every command under it, depth first. */
export function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    // --help and --version arrive here too, with exit code 0; commander has printed the usage error.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    const { message, exitCode } = describeError(err);
    process.stderr.write(`ops: ${message}\n`);
    await auditRefusal(err);
    if (debugging()) process.stderr.write(`${stackWithCauses(err)}\n`);
    return exitCode;
  }
}

function debugging(): boolean {
  return Boolean(process.env.OPS_DEBUG) && process.env.OPS_DEBUG !== '0';
}

/** What the operator reads: one line (or the lines a CliError chose), never a stack unless OPS_DEBUG asks. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof UnavailableError) return { message: err.message, exitCode: EXIT.UNAVAILABLE };
  if (err instanceof NotPermittedError) return { message: err.message, exitCode: EXIT.NOPERM };
  if (err instanceof ConfigError) return { message: err.message, exitCode: EXIT.CONFIG };
  // A Temporal call outside withClient (which names the address and the hint itself).
  if (grpcCode(err) === 14) {
    return { message: 'cannot reach Temporal: start it with `ops dev` or set TEMPORAL_ADDRESS (ops config show)', exitCode: EXIT.UNAVAILABLE };
  }
  const text = err instanceof Error ? err.message : String(err);
  const firstLine = text.split('\n').find((line) => line.trim()) ?? 'unknown error';
  return {
    message: `unexpected error: ${firstLine}${debugging() ? '' : ' (run with OPS_DEBUG=1 for the stack)'}`,
    exitCode: EXIT.SOFTWARE,
  };
}

function stackWithCauses(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 10; e = e instanceof Error ? e.cause : undefined, depth++) {
    parts.push(`${depth ? 'caused by: ' : ''}${e instanceof Error ? (e.stack ?? e.message) : JSON.stringify(e)}`);
  }
  return parts.join('\n');
}
