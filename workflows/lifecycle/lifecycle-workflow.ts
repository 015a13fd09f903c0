import {
  ApplicationFailure,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  setHandler,
  continueAsNew,
  isCancellation,
  log,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { formatDuration } from '../../common/durations.js';
import type { Stage } from '../../common/lifecycle.js';
import {
  LIFECYCLE_STATE_VERSION,
  purgeRequestArgs,
  statusQuery,
  terminateArgs,
  type LifecycleInput,
  type LifecycleResult,
  type LifecycleState,
  type PurgeArchivedInput,
  type TerminateLifecycleInput,
} from '../../common/lifecycle-messages.js';
import type { LifecyclePolicy } from '../../common/lifecycle-policy.js';
import { OPERATOR_ACTIONS } from '../../common/operator-assertion.js';
import { CUSTOMER_ID, LIFECYCLE_STAGE } from '../../common/search-attributes.js';
import { restoreAccess, revokeAccess } from './access.js';
import { records } from './activities.js';
import { archive, verifyArchived } from './archive.js';
import { armPurgeRequestExpiry, operatorVerifier, recordPurgeRequest, registerHandlers, type Audit } from './handlers.js';
import { assertValidInput } from './input.js';
import { purge } from './purge.js';
import { addEvent, initialState, isPurgeApproved, isPurgeRequestExpired, startingStatus, upgradeState } from './state.js';
import { persist, rootMessage } from './stuck.js';

/**
 * One customer's termination: revoke access → hold (reinstatable) → archive → archived, or purge (from held,
 * archiving or archived) once a second operator approves. Workflow id `lifecycle/<customerId>`.
 *
 * A run ends at `archived`; a purge of an archived customer is a new run of the same id (kind purge-archived)
 * that starts from the last run's saved state. State passes between runs only through the database
 * (checkpoints), never through input, so a client cannot start a lifecycle in a forged state.
 */
export async function customerLifecycleWorkflow(input: LifecycleInput): Promise<LifecycleResult> {
  const { workflowId, runId } = workflowInfo();
  const target = `customer:${input?.customerId}`;
  let state: LifecycleState | undefined;
  let failureSeq = 0;
  const audit: Audit = async (action, outcome, by, details = {}) => {
    // Before the state exists (a refused start) the sequence is this run's own.
    const seq = state ? state.auditSeq++ : `pre-${failureSeq++}`;
    await records.recordAudit({ actor: by, action, target, outcome, details, idempotencyKey: `${workflowId}/${runId}/${seq}` });
  };
  // Queries answer from the first moment; the run's own handlers replace this once its state exists.
  setHandler(statusQuery, () => startingStatus(String(input?.customerId), workflowInfo().typedSearchAttributes.get(LIFECYCLE_STAGE) as Stage ?? 'revoking', workflowInfo().startTime));
  try {
    assertValidInput(input);
    const policy = await records.lifecyclePolicy();
    assertValidInput(input, policy);
    state = await startingState(input, policy, audit);
    return await runLifecycle(state, policy, audit);
  } catch (err) {
    if (err instanceof ContinueAsNew || isCancellation(err)) throw err;
    // Failures are audited and reported like any other outcome: the trail says why a lifecycle stopped.
    const why = rootMessage(err);
    await records.recordAudit({ actor: 'lifecycle-workflow', action: 'lifecycle.failed', target, outcome: 'failed', details: { stage: state?.stage ?? null, why }, idempotencyKey: `${workflowId}/${runId}/failed` });
    if (state) {
      await records.reportProblem({
        cause: `${workflowId}:failed`,
        source: 'lifecycle',
        severity: 'critical',
        summary: `lifecycle of ${state.customerId} failed in ${state.stage}`,
        details: { workflowId, runId, stage: state.stage, why },
      });
    }
    throw err;
  }
}

/** Where this run starts: a new termination, a continued run's checkpoint, or an archived customer to purge. */
async function startingState(input: LifecycleInput, policy: LifecyclePolicy, audit: Audit): Promise<LifecycleState> {
  const { workflowId, continuedFromExecutionRunId } = workflowInfo();
  if (input.kind === 'continued') {
    const saved = await records.loadLifecycleCheckpoint({ workflowId, runId: continuedFromExecutionRunId! });
    return upgradeState(saved.version, saved.state);
  }
  if (input.kind === 'purge-archived') return purgeArchivedState(input, audit);
  return terminateState(input, policy, audit);
}

async function terminateState(input: TerminateLifecycleInput, policy: LifecyclePolicy, audit: Audit): Promise<LifecycleState> {
  const who = await operatorVerifier(audit)(OPERATOR_ACTIONS.terminate, input.terminatedBy, terminateArgs(input));
  // The customer is checked before anything is written about it.
  const { resources } = await records.loadLifecycleSubject(input.customerId);
  const state = initialState(input, who, policy.contractualHoldSeconds, resources, new Date());
  // Whoever started it (the CLI, a schedule, a script), the UI can filter on the customer.
  upsertSearchAttributes([{ key: CUSTOMER_ID, value: state.customerId }, { key: LIFECYCLE_STAGE, value: state.stage }]);
  await audit('terminate', 'started', state.terminatedBy, {
    reason: state.reason,
    ticket: state.ticket,
    holdEndsAt: state.holdEndsAt,
    key: who.keyFingerprint,
    ...(state.shortHold ? { shortHoldRequested: state.shortHold.requestedSeconds, needsApproval: true } : {}),
  });
  if (state.shortHold) addEvent(state, `a hold of ${formatDuration(state.shortHold.requestedSeconds)} (shorter than the contractual ${formatDuration(state.shortHold.contractualSeconds)}) waits for a second operator`, state.terminatedBy);
  return state;
}

/** A new run for an archived customer: the last run's saved state, with the verified purge request on it. */
async function purgeArchivedState(input: PurgeArchivedInput, audit: Audit): Promise<LifecycleState> {
  const { workflowId } = workflowInfo();
  const who = await operatorVerifier(audit)(OPERATOR_ACTIONS.requestPurge, input.requestedBy, purgeRequestArgs(input.customerId, input.requestRef));
  const saved = await records.loadLifecycleCheckpoint({ workflowId });
  const state = upgradeState(saved.version, saved.state);
  if (state.stage !== 'archived') {
    throw ApplicationFailure.nonRetryable(`customer ${state.customerId} is ${state.stage}, not archived: request the purge on its running lifecycle`, 'Refused');
  }
  state.runs += 1;
  state.approvalWindowSeconds = input.approvalWindowSeconds;
  upsertSearchAttributes([{ key: CUSTOMER_ID, value: state.customerId }, { key: LIFECYCLE_STAGE, value: state.stage }]);
  await recordPurgeRequest(state, audit, who, input.requestRef, async (action, by, why) => {
    await audit(action, 'refused', by, { why });
    throw ApplicationFailure.nonRetryable(why, 'Refused');
  });
  return state;
}

async function runLifecycle(state: LifecycleState, policy: LifecyclePolicy, audit: Audit): Promise<LifecycleResult> {
  registerHandlers(state, audit);
  armPurgeRequestExpiry(state, audit);

  const setStage = async (stage: Stage, by = 'lifecycle-workflow', details: Record<string, unknown> = {}) => {
    const from = state.stage;
    state.stage = stage;
    upsertSearchAttributes([{ key: LIFECYCLE_STAGE, value: stage }]);
    addEvent(state, `stage ${stage}`, by);
    log.info('lifecycle stage', { customerId: state.customerId, from, to: stage });
    await records.setCustomerStage(state.customerId, stage);
    await audit(`stage.${stage}`, 'ok', by, { from, ...details });
  };

  const shouldContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > policy.historyLimit;
  const finish = async (): Promise<LifecycleResult> => {
    await condition(allHandlersFinished);
    return { customerId: state.customerId, stage: state.stage, ...(state.certificateId ? { certificateId: state.certificateId } : {}) };
  };

  for (;;) {
    switch (state.stage) {
      case 'revoking': {
        const changed = await persist(state, () => revokeAccess(state));
        addEvent(state, `access revoked: ${plural(changed.projects, 'project')}, ${plural(changed.tokens, 'token')}, ${plural(changed.s3Locations, 'S3 location')} and ${plural(changed.warehouses, 'warehouse')} closed`);
        await setStage('held', state.terminatedBy, { ...changed });
        break;
      }
      case 'held': {
        // The hold end moves once when a second operator approves a shorter hold: wait again for the new end.
        for (;;) {
          const endsAt = state.holdEndsAt;
          const remaining = Date.parse(endsAt) - Date.now();
          if (remaining <= 0 || state.reinstated || isPurgeApproved(state)) break;
          await condition(() => Boolean(state.reinstated) || isPurgeApproved(state) || state.holdEndsAt !== endsAt, remaining);
        }
        if (state.reinstated) await setStage('reinstating', state.reinstated.by);
        else if (isPurgeApproved(state)) await setStage('purging', state.purgeRequest?.approvedBy);
        else await setStage('archiving');
        break;
      }
      case 'reinstating': {
        const restored = await persist(state, () => restoreAccess(state));
        await setStage('reinstated', state.reinstated?.by, { ...restored });
        return finish();
      }
      case 'archiving': {
        const outcome = await persist(state, () => archive(state, shouldContinueAsNew));
        if (outcome === 'continue-as-new') return continueAsNewWith(state);
        if (outcome === 'purge') {
          await setStage('purging', state.purgeRequest?.approvedBy);
          break;
        }
        const verified = await persist(state, () => verifyArchived(state, shouldContinueAsNew));
        if (verified === 'continue-as-new') return continueAsNewWith(state);
        if (verified === 'done') await setStage('archived', undefined, { versions: state.archive.progress.total });
        break;
      }
      case 'archived': {
        // Waits for an approval only while a request is pending; otherwise (or once it lapses) the run ends here
        // and a later purge request starts a new run from this state.
        const request = state.purgeRequest;
        if (request && !request.approvedAt && !isPurgeRequestExpired(state, Date.now())) {
          await condition(() => isPurgeApproved(state), Date.parse(request.expiresAt) - Date.now());
        }
        if (isPurgeApproved(state)) {
          await setStage('purging', state.purgeRequest?.approvedBy);
          break;
        }
        await condition(allHandlersFinished);
        await saveCheckpoint(state);
        return finish();
      }
      case 'purging': {
        const outcome = await persist(state, () => purge(state, shouldContinueAsNew));
        if (outcome === 'continue-as-new') return continueAsNewWith(state);
        state.certificateId = outcome.id;
        await setStage('purged', state.purgeRequest?.approvedBy, { certificateId: outcome.id, manifestDigest: outcome.manifestDigest });
        return finish();
      }
      default:
        throw ApplicationFailure.nonRetryable(`lifecycle of ${state.customerId} cannot continue from stage ${state.stage}`);
    }
  }
}

async function saveCheckpoint(state: LifecycleState): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  await records.saveLifecycleCheckpoint({ workflowId, runId, version: LIFECYCLE_STATE_VERSION, state });
}

/** The state goes to the database under this run's id; the next run gets only its customer id. */
async function continueAsNewWith(state: LifecycleState): Promise<never> {
  await condition(allHandlersFinished);
  state.runs += 1;
  await saveCheckpoint(state);
  return continueAsNew<typeof customerLifecycleWorkflow>({ kind: 'continued', customerId: state.customerId });
}

function plural(count: number, word: string): string {
  return `${count} ${count === 1 ? word : `${word}s`}`;
}
