import type { Command } from 'commander';
import type { DeletionCertificate } from '../../common/manifest.js';
import { STAGES } from '../../common/lifecycle.js';
import { CUSTOMER_ID, LIFECYCLE_STAGE } from '../../common/search-attributes.js';
import { temporalUiLink } from '../../common/workflow-ids.js';
import { configFor } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { formatCertificate } from '../lifecycle/format.js';
import { formatTable, plural, printJson } from '../output.js';
import { positiveInt } from '../parsers.js';
import { runRequest, withClient } from '../temporal.js';
import { customerIdArgument } from './lifecycle.js';

interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details: Record<string, unknown>;
}

export function registerRecordCommands(program: Command): void {
  program
    .command('certificate')
    .description('print the deletion certificate of a purged customer')
    .argument('<customer-id>', 'the customer', customerIdArgument)
    .option('--json', 'print JSON')
    .action(async function (this: Command, customerId: string, options: { json?: boolean }) {
      const { config } = configFor(this);
      const certificate = await withClient(config, (client) =>
        runRequest<DeletionCertificate>(client, config, 'readCertificateWorkflow', [{ customerId }]),
      );
      if (options.json) return printJson(certificate);
      process.stdout.write(`${formatCertificate(certificate)}\n`);
    });

  program
    .command('audit')
    .description('the audit trail: who did what, when, to what, with what outcome; checks that it is unaltered')
    .option('--customer <customer-id>', 'only entries about this customer', customerIdArgument)
    .option('--limit <n>', 'the newest n entries', positiveInt, 100)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExit status 1 if the hash chain of the trail is broken (an entry was altered or removed).')
    .action(async function (this: Command, options: { customer?: string; limit: number; json?: boolean }) {
      const { config } = configFor(this);
      const result = await withClient(config, (client) =>
        runRequest<{ entries: AuditRecord[]; chain: { ok: boolean; entries: number; brokenAt?: number } }>(client, config, 'readAuditWorkflow', [
          { ...(options.customer ? { customerId: options.customer } : {}), limit: options.limit },
        ]),
      );
      if (options.json) printJson(result);
      else {
        const rows = result.entries.map((e) => [e.seq, e.at, e.actor, e.action, e.target, e.outcome, summarize(e.details)]);
        process.stdout.write(`${formatTable(['SEQ', 'AT', 'WHO', 'WHAT', 'TARGET', 'OUTCOME', 'DETAILS'], rows)}\n`);
        process.stdout.write(
          result.chain.ok
            ? `\ntrail intact: ${plural(result.chain.entries, 'entry', 'entries')}, hash chain verified\n`
            : `\nTRAIL BROKEN at entry ${result.chain.brokenAt}: an entry was altered or removed\n`,
        );
      }
      if (!result.chain.ok) process.exitCode = EXIT.FAILURE;
    });

  program
    .command('list')
    .description('customers in a lifecycle, by stage (from the workflows\' search attributes)')
    .option('--stage <stage>', `only this stage (${STAGES.join(', ')})`)
    .option('--json', 'print JSON')
    .action(async function (this: Command, options: { stage?: string; json?: boolean }) {
      if (options.stage && !(STAGES as readonly string[]).includes(options.stage)) {
        throw new CliError(`--stage ${options.stage}: expected one of ${STAGES.join(', ')}`, EXIT.USAGE);
      }
      const { config } = configFor(this);
      const query = `WorkflowType = 'customerLifecycleWorkflow'${options.stage ? ` AND ${LIFECYCLE_STAGE.name} = '${options.stage}'` : ''}`;
      const rows = await withClient(config, async (client) => {
        const out: { customerId: string; stage: string; status: string; startedAt: string; workflowUrl: string }[] = [];
        for await (const execution of client.workflow.list({ query })) {
          out.push({
            customerId: execution.typedSearchAttributes.get(CUSTOMER_ID) ?? execution.workflowId,
            stage: execution.typedSearchAttributes.get(LIFECYCLE_STAGE) ?? '?',
            status: execution.status.name,
            startedAt: execution.startTime.toISOString(),
            workflowUrl: temporalUiLink(config.temporal.uiUrl, config.temporal.namespace, execution.workflowId, execution.runId),
          });
        }
        return out;
      });
      if (options.json) return printJson(rows);
      process.stdout.write(`${formatTable(['CUSTOMER', 'STAGE', 'WORKFLOW', 'STARTED'], rows.map((r) => [r.customerId, r.stage, r.status, r.startedAt]))}\n`);
    });
}

/**
 * The details column, shortened to keep the table readable, except `why`: the reason an action was
 * refused (e.g. a requester approving their own purge) is the one thing the reader came for, so it is
 * shown whole and first.
 */
export function summarize(details: Record<string, unknown>): string {
  const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const entries = Object.entries(details).filter(([, v]) => v !== undefined && v !== null);
  const why = entries.find(([k]) => k === 'why');
  const rest = entries
    .filter(([k]) => k !== 'why')
    .map(([k, v]) => `${k}=${shown(v)}`)
    .join(' ');
  const short = rest.length > 80 ? `${rest.slice(0, 79)}…` : rest;
  return [why ? `why=${shown(why[1])}` : '', short].filter(Boolean).join(' ');
}
