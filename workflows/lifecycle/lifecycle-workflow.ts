import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, log, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Stage } from '../../common/lifecycle.js';
import type { LifecycleInput, LifecycleResult, LifecycleState } from '../../common/lifecycle-messages.js';
import { CUSTOMER_ID, LIFECYCLE_STAGE } from '../../common/search-attributes.js';
import { restoreAccess, revokeAccess } from './access.js';
import { records } from './activities.js';
import { archive, verifyArchived } from './archive.js';
import { armPurgeRequestExpiry, registerHandlers, type Audit } from './handlers.js';
import { purge } from './purge.js';
import { addEvent, initialState, isPurgeApproved } from './state.js';

/** Continue-as-new well before Temporal's own limits, so a customer with millions of objects stays bounded. */
const DEFAULT_HISTORY_LIMIT = 5_000;

/**
 * One customer's termination: revoke access → hold (reinstatable) → archive → archived forever, or purge
 * (from held, archiving or archived) once a second operator approves. Workflow id `lifecycle/<customerId>`.
 */
export async function customerLifecycleWorkflow(input: LifecycleInput & { historyLimit?: number }): Promise<LifecycleResult> {
  const state: LifecycleState = input.carried ?? initialState(input, new Date());
  const target = `customer:${state.customerId}`;
  const { workflowId, runId } = workflowInfo();

  const audit: Audit = async (action, outcome, by, details = {}) => {
    const seq = state.auditSeq++;
    await records.recordAudit({ actor: by, action, target, outcome, details, idempotencyKey: `${workflowId}/${runId}/${seq}` });
  };
  registerHandlers(state, input, audit);
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

  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const shouldContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;
  const finish = async (): Promise<LifecycleResult> => {
    await condition(allHandlersFinished);
    return { customerId: state.customerId, stage: state.stage, ...(state.certificateId ? { certificateId: state.certificateId } : {}) };
  };

  if (!input.carried) {
    // Whoever started it (the CLI, a schedule, a script), the UI can filter on the customer.
    upsertSearchAttributes([{ key: CUSTOMER_ID, value: state.customerId }, { key: LIFECYCLE_STAGE, value: state.stage }]);
    await audit('terminate', 'started', state.terminatedBy, { reason: state.reason, ticket: state.ticket, holdEndsAt: state.holdEndsAt });
    state.resources = (await records.loadLifecycleSubject(state.customerId)).resources;
  }

  for (;;) {
    switch (state.stage) {
      case 'revoking': {
        const changed = await revokeAccess(state);
        addEvent(state, `access revoked: ${changed.projects} projects, ${changed.tokens} tokens, ${changed.s3Locations} S3 locations closed`);
        await setStage('held', state.terminatedBy, changed);
        break;
      }
      case 'held': {
        const remaining = Date.parse(state.holdEndsAt) - Date.now();
        if (remaining > 0) await condition(() => Boolean(state.reinstated) || isPurgeApproved(state), remaining);
        if (state.reinstated) await setStage('reinstating', state.reinstated.by);
        else if (isPurgeApproved(state)) await setStage('purging', state.purgeRequest?.approvedBy);
        else await setStage('archiving');
        break;
      }
      case 'reinstating': {
        const restored = await restoreAccess(state);
        await setStage('reinstated', state.reinstated?.by, restored);
        return finish();
      }
      case 'archiving': {
        const outcome = await archive(state, input.archiveStorageClass, shouldContinueAsNew);
        if (outcome === 'continue-as-new') return continueAsNewWith(state, input);
        if (outcome === 'purge') await setStage('purging', state.purgeRequest?.approvedBy);
        else if (await verifyArchived(state)) await setStage('archived', undefined, { versions: state.archive.progress.total });
        break;
      }
      case 'archived':
        await condition(() => isPurgeApproved(state));
        await setStage('purging', state.purgeRequest?.approvedBy);
        break;
      case 'purging': {
        const outcome = await purge(state, shouldContinueAsNew);
        if (outcome === 'continue-as-new') return continueAsNewWith(state, input);
        if (outcome === 'done' || outcome === 'purge') throw ApplicationFailure.nonRetryable(`purge ended without a certificate`);
        state.certificateId = outcome.id;
        await setStage('purged', state.purgeRequest?.approvedBy, { certificateId: outcome.id, manifestDigest: outcome.manifestDigest });
        return finish();
      }
      default:
        throw ApplicationFailure.nonRetryable(`lifecycle of ${state.customerId} cannot continue from stage ${state.stage}`);
    }
  }
}

async function continueAsNewWith(state: LifecycleState, input: LifecycleInput): Promise<never> {
  await condition(allHandlersFinished);
  state.runs += 1;
  return continueAsNew<typeof customerLifecycleWorkflow>({ ...input, carried: state });
}
