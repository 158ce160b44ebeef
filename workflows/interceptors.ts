// Workflow interceptors: alert when an activity fails for good or a run fails, in every workflow but the alert router.
import {
  ActivityFailure,
  ChildWorkflowFailure,
  ContinueAsNew,
  LocalActivityDoBackoff,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
  isCancellation,
  workflowInfo,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { ALERT_ACTIVITY_TYPES, ROUTER_WORKFLOW_TYPE } from '../src/alerts/router-contract';
import { alertActivityFailure, alertWorkflowFailure, failureAlertRaised } from './alerting';

/** Failures the activity trigger already alerted, so the run-failure trigger does not repeat them. */
const alerted = new WeakSet<object>();

async function onActivityError(activityType: string, maximumAttempts: number | undefined, err: unknown): Promise<void> {
  // The alert path's own activities never alert (that could loop); a cancelled activity did not fail.
  if (!(err instanceof ActivityFailure) || ALERT_ACTIVITY_TYPES.includes(activityType) || isCancellation(err)) return;
  alerted.add(err);
  await alertActivityFailure(activityType, err, { retryState: err.retryState ?? undefined, maximumAttempts });
}

async function onLocalActivityError(activityType: string, err: unknown): Promise<void> {
  // LocalActivityDoBackoff is the SDK asking for a timer before the next attempt, not a failure.
  if (err instanceof LocalActivityDoBackoff || ALERT_ACTIVITY_TYPES.includes(activityType) || isCancellation(err)) return;
  // A local activity's final failure arrives unwrapped (no ActivityFailure, so no retry state or attempt).
  if (!(err instanceof TemporalFailure)) return;
  alerted.add(err);
  await alertActivityFailure(activityType, err, {});
}

class ActivityFailureAlerts implements WorkflowOutboundCallsInterceptor {
  async scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      await onActivityError(input.activityType, input.options.retry?.maximumAttempts, err);
      throw err;
    }
  }

  async scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      await onLocalActivityError(input.activityType, err);
      throw err;
    }
  }
}

/** Is this run failure a consequence someone was already told about? */
function alreadyAlerted(err: unknown): boolean {
  // One failure alert per run: an activity alert or an explicit error alert (e.g. the data gate) named this run already.
  if (failureAlertRaised()) return true;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (alerted.has(e)) return true;
    // A child that failed (rather than timed out or was terminated) ran these interceptors and alerted itself.
    if (e instanceof ChildWorkflowFailure && !(e.cause instanceof TimeoutFailure || e.cause instanceof TerminatedFailure)) return true;
  }
  return false;
}

class WorkflowFailureAlerts implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      if (!(err instanceof ContinueAsNew) && !isCancellation(err) && !alreadyAlerted(err)) {
        // A TemporalFailure fails the run; anything else fails the workflow task and the run stays Running, retried.
        await alertWorkflowFailure(err, err instanceof TemporalFailure);
      }
      throw err;
    }
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  // The router must never alert about itself: its delivery failures are logged and kept in its state.
  if (workflowInfo().workflowType === ROUTER_WORKFLOW_TYPE) return {};
  return { inbound: [new WorkflowFailureAlerts()], outbound: [new ActivityFailureAlerts()] };
};
