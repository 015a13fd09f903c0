/** Exit codes, after sysexits(3) where one fits, so scripts can tell failures apart. */
export const EXIT = {
  OK: 0,
  /** The command ran and found a problem (a failing check, a refused operation). */
  FAILURE: 1,
  /** Bad command line: nothing was changed. */
  USAGE: 64,
  /** Bad input data (an invalid or conflicting customer file): nothing was changed. */
  DATA: 65,
  /** No such customer (or no lifecycle / certificate for it). */
  NOT_FOUND: 67,
  /** Temporal, the database or AWS could not be reached, or no worker answered in time. */
  UNAVAILABLE: 69,
  /** A local program failed unexpectedly. */
  SOFTWARE: 70,
  /** Not allowed: an operator identity the workers do not accept, or AWS refusing the ops role. */
  NOPERM: 77,
  /** Invalid configuration. */
  CONFIG: 78,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one clear line and an exit code, without a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.FAILURE,
    // The original error, for OPS_DEBUG=1.
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
