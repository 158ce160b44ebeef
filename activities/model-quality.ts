// modelQualityMonitor's activities: thin wrappers over src/model-quality; bad input becomes a typed non-retryable failure.
import { ApplicationFailure } from '@temporalio/activity';
import { runLink } from '../src/alerts/model';
import { parseEnv } from '../src/config/env';
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

/** The worker's MODEL_NAME and the API's address for report links (REPORTS_BASE_URL, else http://API_HOST:API_PORT). */
function qualityEnv(): { model: string; reportBaseUrl: string } {
  try {
    const env = parseEnv(process.env);
    return { model: env.MODEL_NAME, reportBaseUrl: env.REPORTS_BASE_URL ?? `http://${env.API_HOST}:${env.API_PORT}` };
  } catch {
    // The worker validated its settings at start; a broken variable here must not stop monitoring.
    return { model: 'flights', reportBaseUrl: 'http://127.0.0.1:8080' };
  }
}

async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof QualityError) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
}

export function modelQualityActivities(ctx: ActivityContext) {
  return {
    /** Validates the input, finds the champion, its settings, threshold and holdout figures, and fixes the window (read-only). */
    async planQualityCheck(input: { input?: unknown; now: number; runId: string }): Promise<QualityPlanResult> {
      return typed(() => planQualityCheck({ store: ctx.store, defaultModel: qualityEnv().model, input: input.input, now: input.now, runId: input.runId }));
    },

    /** Joins captures with labels in DuckDB, computes the metrics and verdict, writes the report (same id on a retry: same files). */
    async checkModelQuality(input: { plan: QualityPlan; workflowId: string; runId: string; createdAt: string }): Promise<QualityCheckOutcome> {
      return heartbeating('joining captures with labels', () =>
        typed(() =>
          executeQualityCheck({
            store: ctx.store,
            plan: input.plan,
            run: { workflowId: input.workflowId, runId: input.runId, url: runLink(ctx.temporalUiUrl, ctx.namespace, input.workflowId, input.runId) },
            reportBaseUrl: qualityEnv().reportBaseUrl,
            createdAt: input.createdAt,
          }),
        ),
      );
    },

    /** Labeled live rows + the spec's source as a derived spec for a retrain, as store objects (same report id: same keys). */
    async prepareQualityRetrain(input: { model: string; version: number; reportId: string; retrainData: MonitoringSpec['retrainData']; end: string }): Promise<PreparedRetrain> {
      return heartbeating('writing retraining data', () =>
        prepareQualityRetrain({ store: ctx.store, scratchDir: ctx.varDir, projectRoot: ctx.projectRoot, ...input }),
      );
    },

    /** Remembers the verdict and whether a quality alert is open. */
    async recordQualityRun(record: QualityRunRecord): Promise<void> {
      await recordQualityRun(ctx.store, record);
    },
  };
}

export type ModelQualityActivities = ReturnType<typeof modelQualityActivities>;
