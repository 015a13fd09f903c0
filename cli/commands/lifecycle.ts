import type { Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { customerIdSchema, type CustomerDetail } from '../../common/customer.js';
import {
  approvePurgeUpdate,
  reinstateUpdate,
  requestPurgeUpdate,
  type LifecycleInput,
  type LifecycleStatus,
} from '../../common/lifecycle-messages.js';
import type { DeletionManifest } from '../../common/manifest.js';
import { CUSTOMER_ID, LIFECYCLE_STAGE } from '../../common/search-attributes.js';
import { workflowIds } from '../../common/workflow-ids.js';
import { confirmDestructive } from '../confirm.js';
import { configFor } from '../context.js';
import { parseDuration } from '../durations.js';
import { CliError, EXIT } from '../exit-codes.js';
import { formatManifest, formatStatus } from '../lifecycle/format.js';
import { SETTLED_STAGES, lifecycleHandle, lifecycleLink, queryStatus, waitForStatus } from '../lifecycle/handle.js';
import { note, printJson } from '../output.js';
import { rootFailure, runRequest, withClient } from '../temporal.js';

export function customerIdArgument(value: string): string {
  const parsed = customerIdSchema.safeParse(value);
  if (!parsed.success) throw new CliError(`invalid customer id ${JSON.stringify(value)}: ${parsed.error.issues[0]?.message}`, EXIT.USAGE);
  return value;
}

function progressReporter(json: boolean | undefined) {
  let last = '';
  return (status: LifecycleStatus) => {
    const line = `${status.customerId}: ${status.stage}`;
    if (!json && line !== last) note(`… ${line}`);
    last = line;
  };
}

function printOutcome(status: LifecycleStatus, link: string, json: boolean | undefined, extra: Record<string, unknown> = {}): void {
  if (json) printJson({ ...extra, status, workflowUrl: link });
  else process.stdout.write(`${formatStatus(status, link)}\n`);
}

export function registerLifecycleCommands(program: Command): void {
  program
    .command('terminate-customer')
    .description('end a customer\'s contract: revoke access now, hold the data, then archive it to Glacier')
    .argument('<customer-id>', 'the customer', customerIdArgument)
    .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
    .option('--ticket <ref>', 'ticket or contract reference')
    .option('--hold <duration>', 'how long the data is held (reinstatable) before archiving, e.g. 30d (default: config lifecycle.hold)', parseDuration)
    .option('--dry-run', 'show what would happen; change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .action(async function (this: Command, customerId: string, options: { reason: string; ticket?: string; hold?: number; dryRun?: boolean; yes?: boolean; json?: boolean }) {
      const { config } = configFor(this);
      if (!options.reason.trim()) throw new CliError('--reason must not be empty', EXIT.USAGE);
      const holdSeconds = options.hold ?? parseDuration(config.lifecycle.hold);
      const input: LifecycleInput = {
        customerId,
        reason: options.reason,
        ...(options.ticket ? { ticket: options.ticket } : {}),
        terminatedBy: config.operator.id,
        holdSeconds,
        archiveStorageClass: config.lifecycle.archiveStorageClass,
        approvalWindowSeconds: parseDuration(config.lifecycle.purgeApprovalWindow),
      };
      const workflowId = workflowIds.lifecycle(customerId);
      const link = lifecycleLink(config, customerId);
      await withClient(config, async (client) => {
        if (options.dryRun) {
          const customer = await runRequest<CustomerDetail>(client, config, 'showCustomerWorkflow', [{ customerId }]);
          const plan = { dryRun: true, input, customer };
          if (options.json) return printJson(plan);
          process.stdout.write(
            `dry run: would terminate ${customerId} as ${config.operator.id}: mark ${customer.projects.filter((p) => !p.deleted).length} projects deleted, revoke their tokens, close its S3 locations, hold ${holdSeconds}s, then archive to ${input.archiveStorageClass}.\nnothing was changed\n`,
          );
          return;
        }
        await confirmDestructive(`terminate customer ${customerId} (access is revoked at once)`, customerId, options.yes);
        let handle;
        try {
          handle = await client.workflow.start('customerLifecycleWorkflow', {
            taskQueue: config.temporal.taskQueue,
            workflowId,
            args: [input],
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            typedSearchAttributes: [
              { key: CUSTOMER_ID, value: customerId },
              { key: LIFECYCLE_STAGE, value: 'revoking' },
            ],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          // Idempotent: report the lifecycle that is already running, change nothing.
          const status = await queryStatus(lifecycleHandle(client, customerId), customerId);
          if (!options.json) note(`customer ${customerId} is already terminated (stage ${status.stage}); nothing changed`);
          return printOutcome(status, link, options.json, { alreadyRunning: true });
        }
        if (!options.json) note(`started ${link}`);
        const status = await waitForStatus(handle, customerId, (s) => s.stage !== 'revoking', progressReporter(options.json));
        printOutcome(status, link, options.json, { alreadyRunning: false });
      });
    });

  program
    .command('reinstate-customer')
    .description('during the hold, give a terminated customer back exactly the access it had')
    .argument('<customer-id>', 'the customer', customerIdArgument)
    .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
    .option('--json', 'print JSON')
    .action(async function (this: Command, customerId: string, options: { reason: string; json?: boolean }) {
      const { config } = configFor(this);
      const link = lifecycleLink(config, customerId);
      await withClient(config, async (client) => {
        const handle = lifecycleHandle(client, customerId);
        await queryStatus(handle, customerId);
        await handle.executeUpdate(reinstateUpdate, { args: [{ operator: config.operator.id, reason: options.reason }] });
        const status = await waitForStatus(handle, customerId, (s) => s.stage === 'reinstated', progressReporter(options.json));
        printOutcome(status, link, options.json);
      });
    });

  program
    .command('purge-customer')
    .description('on the customer\'s request, remove all of its data for good (needs approval by a second operator)')
    .argument('<customer-id>', 'the customer', customerIdArgument)
    .requiredOption('--request-ref <ref>', 'the customer\'s request reference (ticket, letter)')
    .option('--dry-run', 'list exactly what would be deleted; change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nThe purge starts only after `ops approve-purge <customer-id>` by a different operator, before the request expires.')
    .action(async function (this: Command, customerId: string, options: { requestRef: string; dryRun?: boolean; yes?: boolean; json?: boolean }) {
      const { config } = configFor(this);
      const link = lifecycleLink(config, customerId);
      await withClient(config, async (client) => {
        if (options.dryRun) {
          const manifest = await runRequest<DeletionManifest>(client, config, 'purgePlanWorkflow', [{ customerId, operator: config.operator.id }]);
          if (options.json) return printJson({ dryRun: true, manifest });
          process.stdout.write(`dry run: a purge of ${customerId} would delete:\n\n${formatManifest(manifest)}\n\nnothing was changed\n`);
          return;
        }
        const handle = lifecycleHandle(client, customerId);
        await queryStatus(handle, customerId);
        await confirmDestructive(`request the irreversible purge of all data of ${customerId}`, customerId, options.yes);
        const request = await handle.executeUpdate(requestPurgeUpdate, { args: [{ operator: config.operator.id, requestRef: options.requestRef }] });
        if (options.json) return printJson({ request, workflowUrl: link });
        process.stdout.write(
          `purge ${request.requestRef} of ${customerId} requested by ${request.requestedBy}.\nIt waits for a second operator until ${request.expiresAt}: ops approve-purge ${customerId}\n${link}\n`,
        );
      });
    });

  program
    .command('approve-purge')
    .description('approve a pending purge request (you cannot approve your own)')
    .argument('<customer-id>', 'the customer', customerIdArgument)
    .option('--wait', 'follow the purge until the certificate is issued')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .action(async function (this: Command, customerId: string, options: { wait?: boolean; yes?: boolean; json?: boolean }) {
      const { config } = configFor(this);
      const link = lifecycleLink(config, customerId);
      await withClient(config, async (client) => {
        const handle = lifecycleHandle(client, customerId);
        const before = await queryStatus(handle, customerId);
        if (!before.purgeRequest) throw new CliError(`no purge of ${customerId} is waiting for approval`, EXIT.FAILURE);
        await confirmDestructive(`approve purge ${before.purgeRequest.requestRef}: every byte of ${customerId} is deleted, irreversibly`, customerId, options.yes);
        await handle.executeUpdate(approvePurgeUpdate, { args: [{ operator: config.operator.id }] });
        const status = options.wait
          ? await waitForStatus(handle, customerId, (s) => s.stage === 'purged', progressReporter(options.json), { timeoutMs: 24 * 3_600_000 })
          : await queryStatus(handle, customerId);
        printOutcome(status, link, options.json);
      });
    });

  program
    .command('status')
    .description('stage, hold end, progress, pending approval and the Temporal UI link of a customer\'s lifecycle')
    .argument('<customer-id>', 'the customer', customerIdArgument)
    .option('--watch', 'keep showing it until the lifecycle settles (held, archived, reinstated, purged)')
    .option('--json', 'print JSON')
    .action(async function (this: Command, customerId: string, options: { watch?: boolean; json?: boolean }) {
      const { config } = configFor(this);
      const link = lifecycleLink(config, customerId);
      await withClient(config, async (client) => {
        const handle = lifecycleHandle(client, customerId);
        if (!options.watch) {
          const status = await queryStatus(handle, customerId);
          // A failed lifecycle keeps its last stage: say that the workflow itself failed, and why.
          const { status: run } = await handle.describe();
          const failure = run.name === 'FAILED' ? await handle.result().then(() => '', (err: unknown) => `: ${rootFailure(err).message}`) : '';
          return printOutcome(status, options.json ? link : `${link} (${run.name}${failure})`, options.json, { workflowStatus: run.name });
        }
        let shown = '';
        await waitForStatus(
          handle,
          customerId,
          (s) => SETTLED_STAGES.includes(s.stage) && s.stage !== 'held',
          (s) => {
            const text = options.json ? JSON.stringify(s) : formatStatus(s, link);
            if (text === shown) return;
            shown = text;
            if (options.json) process.stdout.write(`${text}\n`);
            else process.stdout.write(`${process.stdout.isTTY ? '\x1b[2J\x1b[H' : '\n'}${text}\n`);
          },
          { intervalMs: 2_000, timeoutMs: Number.MAX_SAFE_INTEGER },
        );
      });
    });
}
