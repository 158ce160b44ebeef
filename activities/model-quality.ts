// modelQualityMonitor's activities: thin wrappers over src/model-quality; bad input becomes a typed non-retryable failure.
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
import { heartbeating } from './heartbeat';
import { failTyped, monitorEnv } from './monitor-env';

export function modelQualityActivities(ctx: ActivityContext) {
  return {
    /** Validates the input, finds the champion, its settings, threshold and holdout figures, and fixes the window (read-only). */
    async planQualityCheck(input: { input?: unknown; now: number; runId: string }): Promise<QualityPlanResult> {
      return failTyped(QualityError, () => planQualityCheck({ store: ctx.store, defaultModel: monitorEnv().model, input: input.input, now: input.now, runId: input.runId }));
    },

    /** Joins captures with labels in DuckDB, computes the metrics and verdict, writes the report (same id on a retry: same files). */
    async checkModelQuality(input: { plan: QualityPlan; workflowId: string; runId: string; createdAt: string }): Promise<QualityCheckOutcome> {
      return heartbeating('joining captures with labels', () =>
        failTyped(QualityError, () =>
          executeQualityCheck({
            store: ctx.store,
            plan: input.plan,
            run: { workflowId: input.workflowId, runId: input.runId, url: runLink(ctx.temporalUiUrl, ctx.namespace, input.workflowId, input.runId) },
            reportBaseUrl: monitorEnv().reportBaseUrl,
            createdAt: input.createdAt,
          }),
        ),
      );
    },

    /** Labeled live rows + the spec's source as a derived spec for a retrain, as store objects (same report id: same keys). */
    async prepareQualityRetrain(input: { model: string; version: number; reportId: string; retrainData: MonitoringSpec['retrainData']; end: string }): Promise<PreparedRetrain> {
      return heartbeating('writing retraining data', () => prepareQualityRetrain({ store: ctx.store, scratchDir: ctx.varDir, projectRoot: ctx.projectRoot, ...input }));
    },

    /** Remembers the verdict and whether a quality alert is open. */
    async recordQualityRun(record: QualityRunRecord): Promise<void> {
      await recordQualityRun(ctx.store, record);
    },
  };
}

export type ModelQualityActivities = ReturnType<typeof modelQualityActivities>;
