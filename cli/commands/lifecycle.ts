import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { customerIdSchema, type CustomerDetail } from '../../common/customer.js';
import { durationSeconds } from '../../common/durations.js';
import {
  approveHoldArgs,
  approveHoldUpdate,
  approvePurgeArgs,
  approvePurgeUpdate,
  purgeRequestArgs,
  reinstateArgs,
  reinstateUpdate,
  requestPurgeUpdate,
  terminateArgs,
  type LifecycleStatus,
  type TerminateLifecycleInput,
} from '../../common/lifecycle-messages.js';
import type { DeletionManifest } from '../../common/manifest.js';
import { OPERATOR_ACTIONS } from '../../common/operator-assertion.js';
import type { Config } from '../../common/config.js';
import { CUSTOMER_ID, LIFECYCLE_STAGE } from '../../common/search-attributes.js';
import { workflowIds } from '../../common/workflow-ids.js';
import { customerLifecycleWorkflow } from '../../workflows/lifecycle/lifecycle-workflow.js';
import { confirmDestructive } from '../confirm.js';
import { configFor } from '../context.js';
import { formatDuration, parseDuration } from '../durations.js';
import { CliError, EXIT } from '../exit-codes.js';
import { formatManifest, formatStatus, withRelative } from '../lifecycle/format.js';
import { SETTLED_STAGES, lifecycleHandle, lifecycleLink, queryStatus, waitForStatus } from '../lifecycle/handle.js';
import { signAs } from '../operator-key.js';
import { note, plural, printJson } from '../output.js';
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

/** The hold asked for, within the configured bounds; below the contractual one it needs a second operator. */
function holdFor(config: Config, requested: number | undefined): { seconds: number; short: boolean } {
  const contractual = durationSeconds(config.lifecycle.hold);
  const seconds = requested ?? contractual;
  const min = durationSeconds(config.lifecycle.minHold);
  const max = durationSeconds(config.lifecycle.maxHold);
  if (seconds < min || seconds > max) {
    throw new CliError(`--hold ${formatDuration(seconds)} is outside ${formatDuration(min)}–${formatDuration(max)} (lifecycle.minHold / maxHold)`, EXIT.USAGE);
  }
  return { seconds, short: seconds < contractual };
}

export function registerLifecycleCommands(program: Command): void {
  program
    .command('terminate-customer')
    .description('end a customer\'s contract: revoke access now, hold the data, then archive it to Glacier')
    .argument('<customer-id>', 'the customer', customerIdArgument)
    .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
    .option('--ticket <ref>', 'ticket or contract reference')
    .option('--hold <duration>', 'how long the data is held (reinstatable) before archiving, e.g. 30d (default: config lifecycle.hold); shorter than the contractual hold needs `ops approve-hold` by a second operator', parseDuration)
    .option('--dry-run', 'show what would happen; change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .action(async function (this: Command, customerId: string, options: { reason: string; ticket?: string; hold?: number; dryRun?: boolean; yes?: boolean; json?: boolean }) {
      const { config } = configFor(this);
      if (!options.reason.trim()) throw new CliError('--reason must not be empty', EXIT.USAGE);
      const hold = holdFor(config, options.hold);
      const args = {
        customerId,
        reason: options.reason,
        ...(options.ticket ? { ticket: options.ticket } : {}),
        holdSeconds: hold.seconds,
        archiveStorageClass: config.lifecycle.archiveStorageClass,
        approvalWindowSeconds: durationSeconds(config.lifecycle.purgeApprovalWindow),
      };
      const workflowId = workflowIds.lifecycle(customerId);
      const link = lifecycleLink(config, customerId);
      await withClient(config, async (client) => {
        // The customer is checked before anything starts: an unknown id starts nothing and writes nothing.
        const customer = await runRequest<CustomerDetail>(client, config, 'showCustomerWorkflow', [{ customerId }]).catch((err: unknown) => {
          // The CLI's own refusal (audited as such): nothing is started for a customer the inventory lacks.
          if (rootFailure(err).type === 'UnknownCustomer') throw new CliError(rootFailure(err).message, EXIT.NOT_FOUND);
          throw err;
        });
        if (customer.stage === 'purged') throw new CliError(`customer ${customerId} was purged: nothing is left to terminate`, EXIT.FAILURE);
        const liveProjects = customer.projects.filter((p) => !p.deleted).length;
        if (options.dryRun) {
          if (options.json) return printJson({ dryRun: true, input: args, customer });
          process.stdout.write(
            `dry run: would terminate ${customerId}: mark ${plural(liveProjects, 'project')} deleted, revoke their tokens, close its S3 locations, hold ${formatDuration(hold.seconds)}${hold.short ? ' (shorter than the contractual hold: needs a second operator)' : ''}, then archive to ${args.archiveStorageClass}.\nnothing was changed\n`,
          );
          return;
        }
        await confirmDestructive(`terminate customer ${customerId} (access is revoked at once)`, customerId, options.yes);
        const input: TerminateLifecycleInput = { kind: 'terminate', ...args, terminatedBy: signAs(config, OPERATOR_ACTIONS.terminate, workflowId, terminateArgs(args)) };
        let handle;
        try {
          handle = await client.workflow.start(customerLifecycleWorkflow, {
            taskQueue: config.temporal.taskQueue,
            workflowId,
            args: [input],
            // A customer reinstated (or whose lifecycle failed) can be terminated again; a running one cannot.
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
        if (hold.short && !options.json) note(`the ${formatDuration(hold.seconds)} hold applies once a second operator approves it: ops approve-hold ${customerId}`);
        printOutcome(status, link, options.json, { alreadyRunning: false });
      });
    });

  program
    .command('approve-hold')
    .description('approve a hold shorter than the contractual one (a second operator, not the one who terminated)')
    .argument('<customer-id>', 'the customer', customerIdArgument)
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .action(async function (this: Command, customerId: string, options: { yes?: boolean; json?: boolean }) {
      const { config } = configFor(this);
      const link = lifecycleLink(config, customerId);
      await withClient(config, async (client) => {
        const handle = lifecycleHandle(client, customerId);
        const before = await queryStatus(handle, customerId);
        const short = before.shortHold;
        if (!short) throw new CliError(`the hold of ${customerId} is not shorter than the contractual one: nothing to approve`, EXIT.FAILURE);
        await confirmDestructive(`approve a ${formatDuration(short.requestedSeconds)} hold for ${customerId} (contractual: ${formatDuration(short.contractualSeconds)}); archiving starts earlier`, customerId, options.yes);
        const assertion = signAs(config, OPERATOR_ACTIONS.approveHold, handle.workflowId, approveHoldArgs(customerId, short.requestedSeconds));
        await handle.executeUpdate(approveHoldUpdate, { args: [{ assertion, holdSeconds: short.requestedSeconds }] });
        printOutcome(await queryStatus(handle, customerId), link, options.json);
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
        const assertion = signAs(config, OPERATOR_ACTIONS.reinstate, handle.workflowId, reinstateArgs(customerId, options.reason));
        await handle.executeUpdate(reinstateUpdate, { args: [{ assertion, reason: options.reason }] });
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
        const request = await requestPurge(client, config, customerId, options.requestRef);
        if (options.json) return printJson({ request, workflowUrl: link });
        process.stdout.write(
          `purge ${request.requestRef} of ${customerId} requested by ${request.requestedBy}.\nIt waits for a second operator until ${withRelative(request.expiresAt, Date.now())}: ops approve-purge ${customerId}\n${link}\n`,
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
        const request = before.purgeRequest;
        if (!request || request.approvedAt || before.purgeRequestExpired) throw new CliError(`no purge of ${customerId} is waiting for approval`, EXIT.FAILURE);
        await confirmDestructive(`approve purge ${request.requestRef}: every byte of ${customerId} is deleted, irreversibly`, customerId, options.yes);
        const assertion = signAs(config, OPERATOR_ACTIONS.approvePurge, handle.workflowId, approvePurgeArgs(customerId, request.requestRef));
        await handle.executeUpdate(approvePurgeUpdate, { args: [{ assertion, requestRef: request.requestRef }] });
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

/**
 * A running lifecycle takes the request as an update; an archived customer's lifecycle has ended, so the
 * request starts a new run of the same id from its saved state (the worker checks it really is archived).
 */
async function requestPurge(client: Client, config: Config, customerId: string, requestRef: string) {
  const handle = lifecycleHandle(client, customerId);
  const workflowId = handle.workflowId;
  const assertion = signAs(config, OPERATOR_ACTIONS.requestPurge, workflowId, purgeRequestArgs(customerId, requestRef));
  const { status: run } = await handle.describe();
  if (run.name === 'RUNNING') return handle.executeUpdate(requestPurgeUpdate, { args: [{ assertion, requestRef }] });
  const last = await queryStatus(handle, customerId);
  if (last.stage !== 'archived') {
    throw new CliError(`customer ${customerId} is ${last.stage} and its lifecycle has ended (${run.name}): there is nothing to purge through it`, EXIT.FAILURE);
  }
  const started = await client.workflow.start(customerLifecycleWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ kind: 'purge-archived', customerId, requestRef, approvalWindowSeconds: durationSeconds(config.lifecycle.purgeApprovalWindow), requestedBy: assertion }],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      { key: CUSTOMER_ID, value: customerId },
      { key: LIFECYCLE_STAGE, value: 'archived' },
    ],
  });
  const status = await waitForStatus(started, customerId, (s) => Boolean(s.purgeRequest && s.purgeRequest.requestRef === requestRef && !s.purgeRequestExpired), () => undefined, { timeoutMs: 60_000 });
  return status.purgeRequest!;
}
