// modelQualityMonitor: join live predictions with ground truth, judge them against the holdout, report, alert, maybe retrain.
import { defineQuery, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ModelQualityInput, QualityCheckOutcome, QualityVerdict, Violation } from '../src/model-quality';
import { alertOpenAfter, alertStep, markChecking, markDone, markSkipped, requireObjectInput, trackStatus, type AlertDecision } from './monitor-status';
import { startQualityRetrain, type RetrainStart } from './quality-retrain';

export type { ModelQualityInput };

export interface ModelQualityStatus {
  stage: 'plan' | 'check' | 'retrain' | 'alert' | 'record' | 'done' | 'skipped';
  detail: string;
  model?: string;
  version?: number;
  window?: { start: string; end: string };
  verdict?: QualityVerdict;
  reportId?: string;
  reportUrl?: string;
}

export interface ModelQualityResult {
  model: string;
  version?: number;
  /** Why nothing was checked (no champion yet). */
  skipped?: string;
  window?: { start: string; end: string };
  verdict?: QualityVerdict;
  summary?: string;
  predictions?: number;
  labeled?: number;
  unmatchedLabels?: number;
  violations: Violation[];
  reportId?: string;
  /** Store key of the report's JSON. Runs completed before the rename return it as `reportPath` (src/cli/monitor-result.ts reads both). */
  reportKey?: string;
  reportUrl?: string;
  alerted: boolean;
  resolved: boolean;
  retrain?: RetrainStart;
}

export const qualityStatusQuery = defineQuery<ModelQualityStatus>('status');

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2 },
});

// The join scans every capture and label file of the model with DuckDB: minutes at most for millions of rows.
const scan = proxyActivities<Activities>({
  summary: 'checkModelQuality: join captures with labels, metrics vs holdout, write the report',
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const stageTag = (v: QualityVerdict | 'skipped') => `quality-${v.replace(/ /g, '-')}`;

export async function modelQualityMonitor(input: ModelQualityInput = {}): Promise<ModelQualityResult> {
  requireObjectInput(input, 'modelQualityMonitor', 'InvalidQualityInput');
  const { workflowId, runId } = workflowInfo();
  const status: ModelQualityStatus = { stage: 'plan', detail: 'finding the champion and the window' };
  const stage = trackStatus(qualityStatusQuery, status);
  stage('plan', 'finding the champion and the window');

  const planned = await quick.planQualityCheck.executeWithOptions({ summary: 'planQualityCheck: champion, settings, holdout, window' }, [{ input, now: Date.now(), runId }]);
  if (planned.kind === 'skip') {
    status.model = planned.model;
    stage('skipped', planned.reason);
    markSkipped(planned.model, stageTag('skipped'));
    return { model: planned.model, skipped: planned.reason, violations: [], alerted: false, resolved: false };
  }
  const plan = planned.plan;
  const { model, version } = plan;
  Object.assign(status, { model, version, window: plan.window });
  markChecking(model, version, 'quality-check');

  stage('check', `${model} v${version}: predictions stamped ${plan.window.start} to ${plan.window.end}`);
  const outcome: QualityCheckOutcome = await scan.checkModelQuality({ plan, workflowId, runId, createdAt: new Date().toISOString() });
  const reportLink = outcome.reportUrl ?? outcome.htmlKey;
  Object.assign(status, { verdict: outcome.verdict, reportId: outcome.reportId, reportUrl: reportLink });

  let retrain: RetrainStart | undefined;
  if (outcome.verdict === 'degraded' && plan.monitoring.retrainOnDegradation) {
    stage('retrain', 'starting a retraining run on labeled live data');
    retrain = await startQualityRetrain({ model, version, reportId: outcome.reportId, violations: outcome.violations, retrainData: plan.monitoring.retrainData, now: plan.window.end });
  }

  const key = `quality:${model}`;
  const decision: AlertDecision =
    outcome.verdict === 'degraded'
      ? {
          kind: 'raise',
          detail: outcome.violations.map((v) => v.metric).join(', '),
          alert: {
            key,
            severity: 'error',
            title: `Model quality degraded: ${model} v${version} (${outcome.violations.map((v) => v.metric).join(', ')})`,
            message: `${outcome.summary}${retrain ? ` ${retrain.note}.` : ''}`,
            details: {
              kind: 'fields',
              fields: {
                window: `${plan.window.start} to ${plan.window.end}`,
                'labeled predictions': `${outcome.labeled} of ${outcome.predictions}`,
                ...Object.fromEntries(outcome.violations.map((v) => [v.metric, v.message])),
              },
            },
            reportLink,
          },
        }
      : outcome.verdict === 'ok' && plan.alertOpen
        ? { kind: 'resolve', detail: 'quality back within limits: resolving the open alert', key, note: outcome.summary }
        : { kind: 'none' };
  const { alerted, resolved } = await alertStep(decision, stage);

  stage('record', 'remembering the verdict');
  await quick.recordQualityRun.executeWithOptions({ summary: 'recordQualityRun: verdict and alert state' }, [
    {
      model,
      verdict: outcome.verdict,
      reportId: outcome.reportId,
      // insufficient labels changes nothing: an open alert stays open until a judged clean window
      alertOpen: alertOpenAfter(decision, plan.alertOpen, { alerted, resolved }),
      workflowId,
      runId,
      at: new Date().toISOString(),
    },
  ]);

  markDone(stage, outcome.summary, stageTag(outcome.verdict));
  return {
    model,
    version,
    window: plan.window,
    verdict: outcome.verdict,
    summary: outcome.summary,
    predictions: outcome.predictions,
    labeled: outcome.labeled,
    unmatchedLabels: outcome.unmatchedLabels,
    violations: outcome.violations,
    reportId: outcome.reportId,
    reportKey: outcome.jsonKey,
    ...(outcome.reportUrl ? { reportUrl: outcome.reportUrl } : {}),
    alerted,
    resolved,
    ...(retrain ? { retrain } : {}),
  };
}
