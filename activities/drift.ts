// driftMonitor's activities: thin wrappers over src/drift/monitor; bad input becomes a typed non-retryable failure.
import { runLink } from '../src/alerts/model';
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
import { failTyped, monitorEnv } from './monitor-env';

export function driftActivities(ctx: ActivityContext) {
  return {
    /** Validates the input, finds the champion and its settings, and fixes the window (read-only). */
    async planDriftCheck(input: { input?: DriftMonitorInput; now: number; runId: string }): Promise<PlanResult> {
      return failTyped(DriftError, () => plan({ store: ctx.store, defaultModel: monitorEnv().model, input: input.input, now: input.now, runId: input.runId }));
    },

    /** Reads the window's capture files with DuckDB, compares with the profile, writes the report (same id on a retry: same files). */
    async checkDrift(input: { plan: DriftPlan; workflowId: string; runId: string; createdAt: string }): Promise<DriftCheckOutcome> {
      return heartbeating('reading capture files', () =>
        failTyped(DriftError, () =>
          executeDriftCheck({
            store: ctx.store,
            plan: input.plan,
            run: { workflowId: input.workflowId, runId: input.runId, url: runLink(ctx.temporalUiUrl, ctx.namespace, input.workflowId, input.runId) },
            reportBaseUrl: monitorEnv().reportBaseUrl,
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
