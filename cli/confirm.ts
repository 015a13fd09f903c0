import { createInterface } from 'node:readline/promises';
import { CliError, EXIT } from './exit-codes.js';
import { restartDeadline } from './temporal.js';

/**
 * Destructive commands ask the operator to type the customer id. Without a terminal (scripts, CI)
 * they need --yes, so nothing destructive happens by accident.
 */
export async function confirmDestructive(what: string, customerId: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new CliError(`${what}: refusing without confirmation (no terminal): pass --yes`, EXIT.USAGE);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${what}. Type the customer id (${customerId}) to confirm: `);
    if (answer.trim() !== customerId) throw new CliError('not confirmed: nothing was changed', EXIT.FAILURE);
    restartDeadline(); // the time spent typing is not time spent waiting for Temporal
  } finally {
    rl.close();
  }
}
