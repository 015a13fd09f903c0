import type { Command } from 'commander';
import { configFor } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { formatTable, printJson } from '../output.js';
import { callTimeoutMs } from '../temporal.js';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check that Temporal, a worker, AWS (S3, Redshift, RDS) and the database are healthy')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nThe worker-side checks (AWS, database) run as a workflow on a worker and may take the global --timeout (default 60s).\nExit status: 0 all healthy, 1 a check failed, 78 invalid configuration.',
    )
    .action(async function (this: Command, options: { json?: boolean }) {
      const { config } = configFor(this);
      // Loaded here, not at the top: the Temporal client would slow every other command's start.
      const { runDoctor } = await import('../doctor/run-doctor.js');
      const report = await runDoctor(config, { timeoutSeconds: Math.ceil(callTimeoutMs() / 1000) });
      if (options.json) {
        printJson(report);
      } else {
        const rows = report.checks.map((c) => [c.name, c.status.toUpperCase(), c.detail, c.ms ?? '']);
        process.stdout.write(`${formatTable(['CHECK', 'STATUS', 'DETAIL', 'MS'], rows)}\n`);
        if (report.workflow) process.stdout.write(`\nworker-side checks: ${report.workflow.url}\n`);
        process.stdout.write(`\n${report.healthy ? 'healthy' : 'UNHEALTHY'}\n`);
      }
      process.exitCode = report.healthy ? EXIT.OK : EXIT.FAILURE;
    });
}
