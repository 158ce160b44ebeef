// One model-quality run over the registry and the artifact store: plan (champion, settings, window), check (join, metrics, report), record.
import { z } from 'zod';
import { listCaptureKeys, listWindowKeys } from '../drift/monitor/capture-files';
import { DriftWindowInput, resolveWindow, WindowError } from '../drift/monitor/window';
import { Registry } from '../registry/registry';
import { MonitoringSpec, QualityMonitorSpec } from '../spec/dataset';
import { CorruptObject, type ArtifactStore } from '../store';
import { labelsPrefix, qualityStateKey } from '../store/layout';
import { monitorReportId } from '../util/report-id';
import { joinPredictionsWithLabels, type Joined } from './join';
import { applyRetention } from '../reports/stored';
import { QUALITY_REPORTS_PREFIX, scoreHistogram, writeQualityReport, type ModelQualityReport } from './report';
import {
  decide,
  expectedGapOf,
  holdoutFigures,
  liveMetrics,
  positiveRateTest,
  QualityVerdict,
  type Decision,
  type HoldoutFigures,
  type PositiveRateTest,
  type QualitySettings,
  type Violation,
} from './verdict';
import { modelNameSchema } from '../registry/model-name';
import { thresholdOf, versionTask } from '../task/version-task';
import type { JoinTask } from './join';
import {
  type ClassMixTest,
  classMixTest,
  multiclassHoldout,
  multiclassLive,
  multiclassRules,
  regressionHoldout,
  regressionLive,
  regressionRules,
  type MulticlassHoldout,
  type RegressionHoldout,
  type TaskDecision,
} from './task-metrics';

/** Predictions stamped in the last 30 s wait for the next run (capture is flushed a little after stamping). */
export const DEFAULT_QUALITY_LAG_SECONDS = 30;

/** modelQualityMonitor's input: every field optional. */
export const ModelQualityInput = z
  .object({
    /** Registry model name; default the worker's MODEL_NAME. */
    model: modelNameSchema().optional(),
    /** Which predictions (by prediction time); default the last monitoring.quality.windowHours. */
    window: DriftWindowInput.optional(),
    lagSeconds: z.number().min(0).max(3600).optional(),
    /** Overrides of the spec's monitoring.quality for this run. */
    settings: QualityMonitorSpec.partial().strict().optional(),
    /** Override the spec's monitoring.retrainOnDegradation. */
    retrainOnDegradation: z.boolean().optional(),
  })
  .strict();
export type ModelQualityInput = z.input<typeof ModelQualityInput>;

export type QualityErrorType = 'InvalidQualityInput' | 'InvalidQualitySettings';

/** Bad input or settings: retrying cannot help (the activity makes it non-retryable). */
export class QualityError extends Error {
  constructor(
    readonly type: QualityErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'QualityError';
  }
}

export interface QualityPlan {
  model: string;
  version: number;
  window: { start: string; end: string };
  settings: QualitySettings;
  monitoring: MonitoringSpec;
  threshold: number;
  /** What the version predicts (absent in plans made before tasks existed: binary). */
  task?: JoinTask;
  holdout: HoldoutFigures | RegressionHoldout | MulticlassHoldout;
  reportId: string;
  alertOpen: boolean;
}

export type QualityPlanResult = { kind: 'check'; plan: QualityPlan } | { kind: 'skip'; model: string; reason: string };

const issuesOf = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');

// Only the monitoring part of a registered spec; the rest was validated when the version was trained.
const SpecMonitoringPart = z.looseObject({ monitoring: MonitoringSpec.optional() });

/** `<window end>-<model>-q<run id tail>` (see monitorReportId). */
export function qualityReportId(model: string, window: { end: string }, runId: string): string {
  return monitorReportId(model, window.end, runId, 'q');
}

export async function planQualityCheck(o: { store: ArtifactStore; defaultModel: string; input: unknown; now: number; runId: string }): Promise<QualityPlanResult> {
  const parsed = ModelQualityInput.safeParse(o.input ?? {});
  if (!parsed.success) throw new QualityError('InvalidQualityInput', `invalid modelQualityMonitor input: ${issuesOf(parsed.error)}`);
  const input = parsed.data;
  const model = input.model ?? o.defaultModel;
  const registry = new Registry(o.store);
  const version = await registry.alias(model);
  if (version === undefined) return { kind: 'skip', model, reason: `model ${model} has no champion yet; nothing to monitor` };
  const meta = await registry.metadata(model, version);
  const spec = SpecMonitoringPart.safeParse(meta.spec ?? {});
  if (!spec.success) throw new QualityError('InvalidQualitySettings', `${model} v${version}: monitoring settings in its spec are invalid: ${issuesOf(spec.error)}`);
  const monitoring = spec.data.monitoring ?? MonitoringSpec.parse({});
  const merged = QualityMonitorSpec.safeParse({ ...monitoring.quality, ...(input.settings ?? {}) });
  if (!merged.success) throw new QualityError('InvalidQualitySettings', `${model} v${version}: ${issuesOf(merged.error)}`);
  const settings = merged.data;
  if (input.retrainOnDegradation !== undefined) monitoring.retrainOnDegradation = input.retrainOnDegradation;
  const end = o.now - (input.lagSeconds ?? DEFAULT_QUALITY_LAG_SECONDS) * 1000;
  let window: { start: string; end: string };
  try {
    window = resolveWindow(input.window, { now: o.now, lagSeconds: input.lagSeconds ?? DEFAULT_QUALITY_LAG_SECONDS, firstStart: new Date(end - settings.windowHours * 3_600_000).toISOString() });
  } catch (err) {
    if (err instanceof WindowError) throw new QualityError('InvalidQualityInput', err.message);
    throw err;
  }
  let task: JoinTask;
  try {
    const t = versionTask(meta);
    task = { task: t.task, ...(t.classes ? { classes: [...t.classes] } : {}) };
  } catch (err) {
    throw new QualityError('InvalidQualitySettings', `${model} v${version}: ${(err as Error).message}`);
  }
  const holdout = task.task === 'regression' ? regressionHoldout(meta.metrics) : task.task === 'multiclass' ? multiclassHoldout(meta.metrics, task.classes?.length ?? 0) : holdoutFigures(meta.metrics);
  const state = await readQualityState(o.store, model);
  return {
    kind: 'check',
    plan: {
      model,
      version,
      window,
      settings,
      monitoring: { ...monitoring, quality: settings },
      threshold: thresholdOf(meta),
      task,
      holdout,
      reportId: qualityReportId(model, window, o.runId),
      alertOpen: state?.alertOpen ?? false,
    },
  };
}

/** What the workflow needs from a check; the report itself stays in the store, out of the history. */
export interface QualityCheckOutcome {
  reportId: string;
  verdict: QualityVerdict;
  summary: string;
  predictions: number;
  labeled: number;
  unmatchedLabels: number;
  violations: Violation[];
  /** Store keys of the report (JSON and page). */
  jsonKey: string;
  htmlKey: string;
  reportUrl?: string;
}

/** The end of the labels' window: labels for the window's predictions may arrive any time after it. */
const OPEN_END = '9999-12-31T23:59:59.999Z';

/** Joins the model's captures and labels over the window, computes and judges the metrics, writes JSON + HTML. Idempotent per report id. */
export async function executeQualityCheck(o: {
  store: ArtifactStore;
  plan: QualityPlan;
  run: { workflowId: string; runId: string; url?: string } | null;
  reportBaseUrl?: string;
  createdAt: string;
}): Promise<QualityCheckOutcome> {
  const { plan } = o;
  const joined = await joinPredictionsWithLabels({
    // Only the window's capture objects (by their hour stamp), and the labels received since the window opened (a
    // label comes after its prediction; late ones count): never the whole history. Unmatched labels are those
    // matching no prediction of these captures. Each object is fetched just before it is read (see JoinInput.open).
    captureFiles: await listCaptureKeys(o.store, plan.model, plan.window),
    labelFiles: await listWindowKeys(o.store, labelsPrefix(plan.model), { start: plan.window.start, end: OPEN_END }),
    open: (key) => o.store.fetchFile(key),
    window: plan.window,
    version: plan.version,
    ...(plan.task ? { task: plan.task } : {}),
  });
  const { counts, label, probability } = joined;
  const any = counts.labeled > 0;
  const judged = judge(plan, joined);
  const decision = judged.decision;
  const report: ModelQualityReport = {
    kind: 'model-quality',
    id: plan.reportId,
    createdAt: o.createdAt,
    model: plan.model,
    modelVersion: plan.version,
    window: plan.window,
    settings: plan.settings,
    run: o.run,
    counts: { ...counts, coverage: counts.predictions > 0 ? counts.labeled / counts.predictions : 0 },
    ...(plan.task && plan.task.task !== 'binary' ? { task: plan.task.task } : {}),
    live: judged.live,
    holdout: plan.holdout,
    positiveRate: judged.rate,
    ...(judged.classMix !== undefined ? { classMix: judged.classMix } : {}),
    histogram: any && judged.rate ? scoreHistogram(label, probability) : null,
    verdict: decision.verdict,
    violations: decision.violations,
    notes: decision.notes,
    summary: decision.summary,
  };
  const keys = await writeQualityReport(o.store, report);
  await applyRetention(o.store, QUALITY_REPORTS_PREFIX, plan.model);
  return {
    reportId: report.id,
    verdict: report.verdict,
    summary: report.summary,
    predictions: counts.predictions,
    labeled: counts.labeled,
    unmatchedLabels: counts.unmatchedLabels,
    violations: report.violations,
    ...keys,
    ...(o.reportBaseUrl ? { reportUrl: `${o.reportBaseUrl.replace(/\/+$/, '')}/v1/reports/quality/${report.id}.html` } : {}),
  };
}

/** The live metrics, tests and verdict of a joined window, per the plan's task. */
function judge(plan: QualityPlan, joined: Joined): { live: ModelQualityReport['live']; rate: PositiveRateTest | null; classMix?: ClassMixTest | null; decision: Decision } {
  const { counts, label, probability } = joined;
  const s = plan.settings;
  const h = plan.holdout;
  const insufficient = counts.labeled === 0 || counts.labeled < s.minLabeledRows;
  if (!('task' in h)) {
    const any = counts.labeled > 0;
    const live = any ? liveMetrics(label, probability, plan.threshold) : null;
    const expected = expectedGapOf(h, s);
    const rate = any ? positiveRateTest(label, probability, s, expected.gap) : null;
    const decision = decide(live, h, rate, counts.labeled, s);
    if (expected.note && decision.verdict !== 'insufficient labels') decision.notes.push(expected.note);
    return { live, rate, decision };
  }
  const output = joined.output ?? new Float64Array(0);
  const target = joined.target ?? new Float64Array(0);
  let live: ModelQualityReport['live'] = null;
  let classMix: ClassMixTest | null = null;
  let rules: TaskDecision | null = null;
  if (h.task === 'regression') {
    if (counts.labeled > 0) {
      const l = regressionLive(target, output);
      live = l;
      rules = regressionRules(l, h, s);
    }
  } else if (counts.labeled > 0) {
    const l = multiclassLive(target, output, plan.task?.classes ?? []);
    live = l;
    classMix = h.classShares ? classMixTest(l.observedShares, l.rows, h.classShares, 'holdout', s) : classMixTest(l.observedShares, l.rows, l.predictedShares, 'predicted', s);
    rules = multiclassRules(l, h, classMix, s);
  }
  if (insufficient || !rules) {
    return {
      live,
      rate: null,
      classMix,
      decision: { verdict: 'insufficient labels', violations: [], notes: [], summary: `insufficient labels: ${counts.labeled} labeled predictions, at least ${s.minLabeledRows} needed` },
    };
  }
  const violations: Violation[] = rules.violations;
  const summary = violations.length
    ? `degraded on ${counts.labeled} labeled predictions: ${violations.map((v) => v.message).join('; ')}`
    : `ok on ${counts.labeled} labeled predictions: ${rules.okSummary}`;
  return { live, rate: null, classMix, decision: { verdict: violations.length ? 'degraded' : 'ok', violations, notes: rules.notes, summary } };
}

export const QualityState = z.object({
  version: z.literal(1),
  model: z.string(),
  lastVerdict: QualityVerdict.optional(),
  lastReportId: z.string().optional(),
  /** A quality alert was raised and not yet resolved. */
  alertOpen: z.boolean().default(false),
  updatedAt: z.string(),
  workflowId: z.string().optional(),
  runId: z.string().optional(),
});
export type QualityState = z.infer<typeof QualityState>;

export { qualityStateKey };

/** The state, or null when there is none or it is unreadable (then no alert counts as open). */
export async function readQualityState(store: ArtifactStore, model: string): Promise<QualityState | null> {
  try {
    return (await store.getJson(qualityStateKey(model), QualityState)) ?? null;
  } catch (err) {
    if (err instanceof CorruptObject) return null;
    throw err;
  }
}

export interface QualityRunRecord {
  model: string;
  verdict: QualityVerdict;
  reportId: string;
  alertOpen: boolean;
  workflowId: string;
  runId: string;
  at: string;
}

/** Remembers the verdict and whether an alert is open; the same record twice (a retried activity) gives the same file. */
export async function recordQualityRun(store: ArtifactStore, r: QualityRunRecord): Promise<QualityState> {
  const state: QualityState = { version: 1, model: r.model, lastVerdict: r.verdict, lastReportId: r.reportId, alertOpen: r.alertOpen, updatedAt: r.at, workflowId: r.workflowId, runId: r.runId };
  await store.putJson(qualityStateKey(r.model), state);
  return state;
}
