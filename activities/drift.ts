// driftMonitor's activities: thin wrappers over src/drift/monitor; bad input becomes a typed non-retryable failure.
import { ApplicationFailure } from '@temporalio/activity';
import { runLink } from '../src/alerts/model';
import { parseEnv } from '../src/config/env';
import {
  DriftError,
  executeDriftCheck,
  planDriftCheck as plan,
  recordMonitorRun,
  resolveRetrainSpec,
  type DriftCheckOutcome,
  type DriftMonitorInput,
  type DriftPlan,
  type PlanResult,
  type RunRecord,
} from '../src/drift/monitor';
import type { ActivityContext } from './context';
import { heartbeating } from './heartbeat';

/** The worker's MODEL_NAME and the API's address for report links (REPORTS_BASE_URL, else http://API_HOST:API_PORT). */
function driftEnv(): { model: string; reportBaseUrl: string } {
  try {
    const env = parseEnv(process.env);
    const base = env.REPORTS_BASE_URL ?? `http://${env.API_HOST}:${env.API_PORT}`;
    return { model: env.MODEL_NAME, reportBaseUrl: base };
  } catch {
    // The worker validated its settings at start; a broken variable here must not stop monitoring.
    return { model: 'flights', reportBaseUrl: 'http://127.0.0.1:8080' };
  }
}

async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DriftError) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
}

export function driftActivities(ctx: ActivityContext) {
  return {
    /** Validates the input, finds the champion and its settings, and fixes the window (read-only). */
    async planDriftCheck(input: { input?: DriftMonitorInput; now: number; runId: string }): Promise<PlanResult> {
      return typed(() => plan({ store: ctx.store, defaultModel: driftEnv().model, input: input.input, now: input.now, runId: input.runId }));
    },

    /** Reads the window's capture files with DuckDB, compares with the profile, writes the report (same id on a retry: same files). */
    async checkDrift(input: { plan: DriftPlan; workflowId: string; runId: string; createdAt: string }): Promise<DriftCheckOutcome> {
      return heartbeating('reading capture files', () =>
        typed(() =>
          executeDriftCheck({
            store: ctx.store,
            plan: input.plan,
            run: { workflowId: input.workflowId, runId: input.runId, url: runLink(ctx.temporalUiUrl, ctx.namespace, input.workflowId, input.runId) },
            reportBaseUrl: driftEnv().reportBaseUrl,
            createdAt: input.createdAt,
          }),
        ),
      );
    },

    /** The spec file a drift-triggered retrain runs (see resolveRetrainSpec); writes at most one file, the same on a retry. */
    async prepareRetrain(input: { model: string; version: number; explicit?: string }): Promise<{ spec?: string; note: string }> {
      return resolveRetrainSpec({ store: ctx.store, projectRoot: ctx.projectRoot, ...input });
    },

    /** Remembers where this run's window ended and whether a drift alert is open. */
    async recordDriftRun(record: RunRecord): Promise<void> {
      await recordMonitorRun(ctx.store, record);
    },
  };
}

export type DriftActivities = ReturnType<typeof driftActivities>;
