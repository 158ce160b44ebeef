// modelQualityMonitor's activities: thin wrappers over src/model-quality; bad input becomes a typed non-retryable failure.
import { Context } from '@temporalio/activity';
import { runLink } from '../src/alerts/model';
import {
  executeQualityCheck,
  planQualityCheck,
  QualityError,
  prepareQualityRetrain,
  recordQualityRun,
  type PreparedRetrain,
  type QualityCheckOutcome,
  type QualityPlan,
  type QualityPlanResult,
  type QualityRunRecord,
} from '../src/model-quality';
import type { MonitoringSpec } from '../src/spec/dataset';
import type { ActivityContext } from './context';
import { failTyped, monitorEnv } from './monitor-env';

export function modelQualityActivities(ctx: ActivityContext) {
  return {
    /** Validates the input, finds the champion, its settings, threshold and holdout figures, and fixes the window (read-only). */
    async planQualityCheck(input: { input?: unknown; now: number; runId: string }): Promise<QualityPlanResult> {
      return failTyped(QualityError, () => planQualityCheck({ store: ctx.store, defaultModel: monitorEnv().model, input: input.input, now: input.now, runId: input.runId }));
    },

    /** Joins captures with labels in DuckDB, computes the metrics and verdict, writes the report (same id on a retry: same files). */
    async checkModelQuality(input: { plan: QualityPlan; workflowId: string; runId: string; createdAt: string }): Promise<QualityCheckOutcome> {
      const context = Context.current();
      // DuckDB works off the event loop, so a timer can heartbeat while one long query runs.
      const beat = setInterval(() => context.heartbeat('joining captures with labels'), 5_000);
      try {
        return await failTyped(QualityError, () =>
          executeQualityCheck({
            store: ctx.store,
            plan: input.plan,
            run: { workflowId: input.workflowId, runId: input.runId, url: runLink(ctx.temporalUiUrl, ctx.namespace, input.workflowId, input.runId) },
            reportBaseUrl: monitorEnv().reportBaseUrl,
            createdAt: input.createdAt,
          }),
        );
      } finally {
        clearInterval(beat);
      }
    },

    /** Labeled live rows + the spec's source as a derived spec for a retrain, as store objects (same report id: same keys). */
    async prepareQualityRetrain(input: { model: string; version: number; reportId: string; retrainData: MonitoringSpec['retrainData']; end: string }): Promise<PreparedRetrain> {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat('writing retraining data'), 5_000);
      try {
        return await prepareQualityRetrain({ store: ctx.store, scratchDir: ctx.varDir, projectRoot: ctx.projectRoot, ...input });
      } finally {
        clearInterval(beat);
      }
    },

    /** Remembers the verdict and whether a quality alert is open. */
    async recordQualityRun(record: QualityRunRecord): Promise<void> {
      await recordQualityRun(ctx.store, record);
    },
  };
}

export type ModelQualityActivities = ReturnType<typeof modelQualityActivities>;
