// driftMonitor: compare what the service captured with the champion's training profile, report it, alert on drift, maybe retrain.
import { ParentClosePolicy, WorkflowIdReusePolicy, defineQuery, log, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
// startChild rejects with common's class when the fixed retrain id is already running.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { DriftedColumn, DriftMonitorInput, DriftWindow, Verdict } from '../src/drift/monitor';
import { alertOpenAfter, alertStep, markChecking, markDone, markSkipped, requireObjectInput, trackStatus, type AlertDecision } from './monitor-status';
import type { trainingPipeline } from './training-pipeline';

export type { DriftMonitorInput };

export interface DriftMonitorStatus {
  stage: 'plan' | 'check' | 'retrain' | 'alert' | 'record' | 'done' | 'skipped';
  detail: string;
  model?: string;
  version?: number;
  window?: DriftWindow;
  verdict?: Verdict;
  reportId?: string;
  reportUrl?: string;
  drifted?: string[];
  retrain?: { workflowId?: string; note: string };
}

export interface DriftMonitorResult {
  model: string;
  version?: number;
  /** Why nothing was checked (no champion yet). */
  skipped?: string;
  window?: DriftWindow;
  verdict?: Verdict;
  summary?: string;
  rows?: number;
  reportId?: string;
  /** Store key of the report's JSON. Runs completed before the rename return it as `reportPath` (src/cli/monitor-result.ts reads both). */
  reportKey?: string;
  reportUrl?: string;
  /** Drifted features (and `prediction`), each with statistic and threshold. */
  drifted: DriftedColumn[];
  alerted: boolean;
  resolved: boolean;
  retrain?: { workflowId?: string; note: string };
}

export const driftStatusQuery = defineQuery<DriftMonitorStatus>('status');

// Planning and recording touch small files: seconds, few attempts.
const quick = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2 },
});

// The check scans capture files with DuckDB: minutes at most for millions of rows; heartbeats every 5 s.
const scan = proxyActivities<Activities>({
  summary: 'checkDrift: capture window vs training profile, write the report',
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const stageTag = (v: Verdict | 'skipped') => v.replace(/ /g, '-');

export async function driftMonitor(input: DriftMonitorInput = {}): Promise<DriftMonitorResult> {
  requireObjectInput(input, 'driftMonitor', 'InvalidDriftInput');
  const { workflowId, runId } = workflowInfo();
  const status: DriftMonitorStatus = { stage: 'plan', detail: 'finding the champion and the window' };
  const stage = trackStatus(driftStatusQuery, status);
  stage('plan', 'finding the champion and the window');

  const planned = await quick.planDriftCheck.executeWithOptions({ summary: 'planDriftCheck: champion, settings, window' }, [{ input, now: Date.now(), runId }]);
  if (planned.kind === 'skip') {
    status.model = planned.model;
    stage('skipped', planned.reason);
    markSkipped(planned.model, stageTag('skipped'));
    return { model: planned.model, skipped: planned.reason, drifted: [], alerted: false, resolved: false };
  }
  const plan = planned.plan;
  const { model, version } = plan;
  Object.assign(status, { model, version, window: plan.window });
  markChecking(model, version, 'drift-check');

  stage('check', `${model} v${version}: rows stamped ${plan.window.start} to ${plan.window.end}`);
  const outcome = await scan.checkDrift({ plan, workflowId, runId, createdAt: new Date().toISOString() });
  const reportLink = outcome.reportUrl ?? outcome.htmlKey;
  Object.assign(status, { verdict: outcome.verdict, reportId: outcome.reportId, reportUrl: reportLink, drifted: outcome.drifted.map((d) => d.feature) });
  const drifting = outcome.verdict === 'feature drift' || outcome.verdict === 'dataset drift';

  let retrain: DriftMonitorResult['retrain'];
  if (outcome.verdict === 'dataset drift' && plan.settings.retrainOnDrift) {
    stage('retrain', 'starting a retraining run');
    retrain = await startRetrain(model, version, plan.retrainSpec, outcome.reportId, outcome.drifted);
    status.retrain = retrain;
  }

  const key = `drift:${model}`;
  const decision: AlertDecision = drifting
    ? {
        kind: 'raise',
        detail: `${outcome.verdict}: ${outcome.drifted.map((d) => d.feature).join(', ')}`,
        alert: {
          key,
          // Dataset drift is what Evidently calls drift and what may retrain; single features are a warning to look.
          severity: outcome.verdict === 'dataset drift' ? 'error' : 'warning',
          title: `${outcome.verdict === 'dataset drift' ? 'Dataset drift' : 'Feature drift'} in ${model} v${version}: ${outcome.drifted.map((d) => d.feature).join(', ')}`,
          message: `${outcome.summary}${retrain ? ` ${retrain.note}.` : ''}`,
          details: { kind: 'drift', driftedFeatures: outcome.drifted, model, version, numberOfFeatures: outcome.dataset.numberOfFeatures },
          reportLink,
        },
      }
    : outcome.verdict === 'no drift' && plan.alertOpen
      ? { kind: 'resolve', detail: 'drift cleared: resolving the open alert', key, note: outcome.summary }
      : { kind: 'none' };
  const { alerted, resolved } = await alertStep(decision, stage);

  stage('record', 'remembering where this window ended');
  await quick.recordDriftRun.executeWithOptions({ summary: 'recordDriftRun: window end and alert state' }, [
    {
      model,
      // Too few rows: keep the start, so low traffic adds up to a judged window instead of never reaching minRows.
      ...(outcome.verdict !== 'insufficient data' ? { windowEnd: plan.window.end } : {}),
      verdict: outcome.verdict,
      reportId: outcome.reportId,
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
    rows: outcome.rows,
    reportId: outcome.reportId,
    reportKey: outcome.jsonKey,
    ...(outcome.reportUrl ? { reportUrl: outcome.reportUrl } : {}),
    drifted: outcome.drifted,
    alerted,
    resolved,
    ...(retrain ? { retrain } : {}),
  };
}

/**
 * Starts trainingPipeline as an abandoned child (it outlives this short run) under the fixed id
 * `retrain-<model>`, so drift seen by several runs never trains twice at once.
 */
async function startRetrain(model: string, version: number, explicit: string | undefined, reportId: string, drifted: DriftedColumn[]): Promise<{ workflowId?: string; note: string }> {
  const prepared = await quick.prepareRetrain.executeWithOptions({ summary: 'prepareRetrain: find the spec to retrain with' }, [{ model, version, ...(explicit ? { explicit } : {}) }]);
  if (!prepared.spec) return { note: prepared.note };
  const childId = `retrain-${model}`;
  try {
    await startChild<typeof trainingPipeline>('trainingPipeline', {
      workflowId: childId,
      args: [{ spec: prepared.spec, reason: `drift in ${drifted.map((d) => d.feature).join(', ')} (report ${reportId})` }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `Retrain ${model} after drift (report ${reportId})`,
    });
    return { workflowId: childId, note: `retraining started as ${childId} (${prepared.note})` };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId: childId, note: `a retraining run ${childId} is already running` };
    log.warn('could not start the retraining run', { error: err instanceof Error ? err.message : String(err) });
    return { note: `retraining could not start: ${err instanceof Error ? err.message : String(err)}` };
  }
}
