import type { Command } from 'commander';
import { configFor } from '../context.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { EXIT } from '../exit-codes.js';
import { formatTable, printJson } from '../output.js';
import { positiveInt } from '../parsers.js';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check that Temporal, a worker, AWS (S3, Redshift, RDS) and the database are healthy')
    .option('--json', 'print JSON')
    .option('--timeout <seconds>', 'how long the worker-side checks may take', positiveInt, 60)
    .addHelpText('after', '\nExit status: 0 all healthy, 1 a check failed, 78 invalid configuration.')
    .action(async function (this: Command, options: { json?: boolean; timeout: number }) {
      const { config } = configFor(this);
      const report = await runDoctor(config, { timeoutSeconds: options.timeout });
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
