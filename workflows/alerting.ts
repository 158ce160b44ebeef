// Raising and resolving alerts from workflow code: through the routeAlert activity, never failing the caller.
import { ActivityFailure, ApplicationFailure, CancellationScope, ChildWorkflowFailure, TerminatedFailure, TimeoutFailure, log, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alerts';
import type { AlertDetailsInput, AlertInput, RouteRequestInput, Severity } from '../src/alerts/model';

export interface RaiseAlertInput {
  /** Deduplication key: one message per key per cooldown, across runs and workers. Default `<workflowType>:<title>`. */
  key?: string;
  /** Default 'error'. 'error' and 'critical' also count as this run's failure alert (see below). */
  severity?: Severity;
  /** One line, shown as the message header. */
  title: string;
  /** What happened, for a person; defaults to the title. */
  message?: string;
  /** Gate: failed expectations; drift: drifted features; or free-form fields. */
  details?: AlertDetailsInput;
  /** The report: an http(s) URL becomes a link, a store key is shown as text. */
  reportLink?: string;
  /** Optional: what failed, when the alert is about a specific step. */
  activity?: string;
  attempt?: number;
  errorType?: string;
  retryState?: string;
}

export interface ResolveAlertInput {
  /** Close this key... */
  key?: string;
  /** ...or every open key that starts with this (exactly one of the two). */
  keyPrefix?: string;
  note?: string;
}

// The alert path must be quick and bounded: it only signals the router, which does the slow Slack part.
const { routeAlert } = proxyActivities<AlertActivities>({
  summary: 'raise alert (signal the alert router)',
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['AlertInvalid'] },
});

// Module state is per workflow execution (the SDK isolates module caches per run).
let failureAlerted = false;

/** True once this run has routed an 'error' or 'critical' alert; its own failure alert is then redundant. */
export function failureAlertRaised(): boolean {
  return failureAlerted;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

async function route(request: RouteRequestInput, what: string): Promise<boolean> {
  // An alert must go out even while the run is being cancelled, and must never fail the run.
  return CancellationScope.nonCancellable(async () => {
    try {
      await routeAlert(request);
      return true;
    } catch (err) {
      const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
      log.warn(`${what} could not be routed; continuing without it`, {
        error: cause instanceof Error ? cause.message : String(cause),
        errorType: cause instanceof ApplicationFailure ? cause.type : undefined,
      });
      return false;
    }
  });
}

/**
 * Raises an alert for the current run: resolves true when the router has it, false when it could
 * not be routed (logged). Never throws, so a broken alert path never fails the workflow.
 */
export async function raiseAlert(input: RaiseAlertInput): Promise<boolean> {
  const info = workflowInfo();
  const severity = input.severity ?? 'error';
  const alert: AlertInput = {
    id: uuid4(),
    kind: 'firing',
    key: clip(input.key ?? `${info.workflowType}:${input.title}`, 300),
    severity,
    title: clip(input.title, 300),
    source: {
      workflowId: info.workflowId,
      runId: info.runId,
      workflowType: info.workflowType,
      namespace: info.namespace,
      taskQueue: info.taskQueue,
      ...(input.activity ? { activity: input.activity } : {}),
      ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
      ...(input.errorType ? { errorType: input.errorType } : {}),
      ...(input.retryState ? { retryState: input.retryState } : {}),
      message: clip(input.message ?? input.title, 4000),
    },
    ...(input.details ? { details: input.details } : {}),
    links: input.reportLink ? { report: input.reportLink } : {},
    raisedAt: new Date().toISOString(),
  };
  const routed = await route({ kind: 'alert', alert }, `alert "${alert.title}"`);
  if (routed && (severity === 'error' || severity === 'critical')) failureAlerted = true;
  return routed;
}

/** Tells the router the condition behind `key` (or every key under `keyPrefix`) cleared; it posts "resolved" for open keys. Never throws. */
export async function resolveAlert(input: ResolveAlertInput): Promise<boolean> {
  const info = workflowInfo();
  return route(
    {
      kind: 'resolve',
      resolve: {
        id: uuid4(),
        ...(input.key !== undefined ? { key: input.key } : {}),
        ...(input.keyPrefix !== undefined ? { keyPrefix: input.keyPrefix } : {}),
        ...(input.note !== undefined ? { note: input.note } : {}),
        source: { workflowId: info.workflowId, runId: info.runId, workflowType: info.workflowType, namespace: info.namespace, message: input.note ?? 'resolved' },
        resolvedAt: new Date().toISOString(),
      },
    },
    `resolve ${input.key ?? `${input.keyPrefix}*`}`,
  );
}

/** errorType and message of a failure, looking through Temporal's wrappers to the root cause. */
export function describeFailure(err: unknown): { errorType: string; message: string } {
  if (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) {
    if (err.cause) return describeFailure(err.cause);
  }
  if (err instanceof ApplicationFailure) return { errorType: err.type ?? 'Error', message: err.message };
  if (err instanceof TimeoutFailure) return { errorType: `Timeout:${err.timeoutType}`, message: err.message || 'timed out' };
  if (err instanceof TerminatedFailure) return { errorType: 'Terminated', message: err.message || 'terminated' };
  if (err instanceof Error) return { errorType: err.name || 'Error', message: err.message };
  return { errorType: 'Unknown', message: String(err) };
}

/** The interceptor's trigger: an activity failed for good (out of attempts, non-retryable, or timed out). */
export async function alertActivityFailure(activityType: string, failure: Error, how: { retryState?: string; maximumAttempts?: number | undefined }): Promise<void> {
  const { workflowType } = workflowInfo();
  const { errorType, message } = describeFailure(failure);
  await raiseAlert({
    key: `activity-failed:${workflowType}:${activityType}:${errorType}`,
    severity: 'error',
    title: `${activityType} failed for good in ${workflowType}`,
    message,
    activity: activityType,
    errorType,
    // Says whether the attempts ran out or the error was non-retryable.
    ...(how.retryState ? { retryState: how.retryState } : {}),
    // ActivityFailure carries no attempt number; when attempts ran out, the last one is the maximum.
    ...(how.retryState === 'MAXIMUM_ATTEMPTS_REACHED' && how.maximumAttempts !== undefined ? { attempt: how.maximumAttempts } : {}),
  });
}

/** The interceptor's trigger: the run itself failed (or its workflow task keeps failing). */
export async function alertWorkflowFailure(err: unknown, runFails: boolean): Promise<void> {
  const { workflowType } = workflowInfo();
  const { errorType, message } = describeFailure(err);
  await raiseAlert({
    key: `workflow-failed:${workflowType}:${errorType}`,
    severity: 'error',
    title: runFails ? `${workflowType} failed` : `${workflowType} is stuck: its workflow task keeps failing`,
    message: runFails ? message : `${message}\n(The run stays Running and Temporal retries the task; fix the code and deploy, or terminate the run.)`,
    errorType,
  });
}
