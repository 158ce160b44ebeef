// The model-quality report: one zod shape for the JSON object, the HTML page and the API; stored under reports/model-quality/ in the artifact store.
import { z } from 'zod';
import { QUALITY_REPORTS_PREFIX, reportObjectKeys } from '../store/layout';
import { REPORT_ID } from '../util/report-id';
import { QualityMonitorSpec } from '../spec/dataset';
import type { ArtifactStore } from '../store';
import { listNewest, reportIdsNewestFirst, type TimeRange } from '../reports/stored';
import { renderQualityHtml } from './html';
import { ClassMixTest, MulticlassHoldout, MulticlassLive, RegressionHoldout, RegressionLive } from './task-metrics';
import { HoldoutFigures, LiveMetrics, PositiveRateTest, QualityVerdict, Violation } from './verdict';
import { TaskKind } from '../task/task';

export const ScoreHistogram = z.object({
  /** Bin edges over [0, 1]. */
  edges: z.array(z.number()),
  positives: z.array(z.number().int()),
  negatives: z.array(z.number().int()),
});
export type ScoreHistogram = z.infer<typeof ScoreHistogram>;

export const ModelQualityReport = z.object({
  kind: z.literal('model-quality'),
  id: z.string().regex(REPORT_ID),
  createdAt: z.string(),
  model: z.string(),
  modelVersion: z.number().int(),
  window: z.object({ start: z.string(), end: z.string() }),
  settings: QualityMonitorSpec,
  run: z.object({ workflowId: z.string(), runId: z.string(), url: z.string().optional() }).nullable(),
  counts: z.object({
    predictions: z.number().int(),
    labeled: z.number().int(),
    /** labeled / predictions (0 when there were none). */
    coverage: z.number(),
    otherVersions: z.array(z.object({ version: z.number().int(), rows: z.number().int() })),
    labelIds: z.number().int(),
    unmatchedLabels: z.number().int(),
    relabeledIds: z.number().int(),
    repeatedIds: z.number().int(),
  }),
  /** Absent in reports written before tasks existed: binary. */
  task: TaskKind.optional(),
  /** Binary LiveMetrics, or the regression/multiclass metrics (they carry `task`). */
  live: z.union([RegressionLive, MulticlassLive, LiveMetrics]).nullable(),
  holdout: z.union([RegressionHoldout, MulticlassHoldout, HoldoutFigures]),
  positiveRate: PositiveRateTest.nullable(),
  /** Multiclass: the observed class mix against the expected one. */
  classMix: ClassMixTest.nullable().optional(),
  histogram: ScoreHistogram.nullable(),
  verdict: QualityVerdict,
  violations: z.array(Violation),
  notes: z.array(z.string()),
  summary: z.string(),
});
export type ModelQualityReport = z.infer<typeof ModelQualityReport>;

export const QualityReportSummary = ModelQualityReport.pick({ id: true, createdAt: true, model: true, modelVersion: true, window: true, verdict: true, summary: true }).extend({
  labeled: z.number().int(),
});
export type QualityReportSummary = z.infer<typeof QualityReportSummary>;

export { QUALITY_REPORTS_PREFIX };

export interface QualityReportKeys {
  jsonKey: string;
  htmlKey: string;
}

/** The store keys of report `id`; throws on an id that is not a plain name, so no caller can escape the prefix. */
export function qualityReportKeys(id: string): QualityReportKeys {
  if (!REPORT_ID.test(id)) throw new RangeError(`invalid report id ${JSON.stringify(id)}`);
  return reportObjectKeys(QUALITY_REPORTS_PREFIX, id);
}

/** Page first, then JSON (what lists see), so a listed report always has its page; a retry rewrites both whole. */
export async function writeQualityReport(store: ArtifactStore, report: ModelQualityReport): Promise<QualityReportKeys> {
  const valid = ModelQualityReport.parse(report);
  const keys = qualityReportKeys(valid.id);
  await store.put(keys.htmlKey, renderQualityHtml(valid));
  await store.putJson(keys.jsonKey, valid);
  return keys;
}

async function readOrNull(store: ArtifactStore, key: string): Promise<string | null> {
  return (await store.get(key))?.toString('utf8') ?? null;
}

export async function readQualityReport(store: ArtifactStore, id: string): Promise<ModelQualityReport | null> {
  const text = await readOrNull(store, qualityReportKeys(id).jsonKey);
  if (text === null) return null;
  try {
    const parsed = ModelQualityReport.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function readQualityReportHtml(store: ArtifactStore, id: string): Promise<string | null> {
  return readOrNull(store, qualityReportKeys(id).htmlKey);
}

/** Newest first (ids start with the window end stamp). */
export async function listQualityReports(store: ArtifactStore, opts: { limit?: number; model?: string } & TimeRange = {}): Promise<QualityReportSummary[]> {
  const ids = await reportIdsNewestFirst(store, QUALITY_REPORTS_PREFIX);
  // ids of other models are skipped by name, never read: O(limit) reads whatever the filter
  const reports = await listNewest(
    ids,
    { limit: opts.limit ?? 50, ...(opts.model !== undefined ? { model: opts.model } : {}), since: opts.since, until: opts.until },
    (id) => readQualityReport(store, id),
    (r) => r.model,
    (r) => r.window.end,
  );
  return reports.map((r) => ({ id: r.id, createdAt: r.createdAt, model: r.model, modelVersion: r.modelVersion, window: r.window, verdict: r.verdict, summary: r.summary, labeled: r.counts.labeled }));
}

/** Scores in `bins` equal-width bins, split by label. */
export function scoreHistogram(label: ArrayLike<number>, proba: ArrayLike<number>, bins = 20): ScoreHistogram {
  const positives = new Array<number>(bins).fill(0);
  const negatives = new Array<number>(bins).fill(0);
  for (let i = 0; i < proba.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(proba[i] * bins)));
    if (label[i]) positives[b]++;
    else negatives[b]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => i / bins), positives, negatives };
}

/** A binary report's live metrics (null for other tasks, and when nothing was labeled). */
export function binaryLive(r: Pick<ModelQualityReport, 'live'>): LiveMetrics | null {
  return r.live && !('task' in r.live) ? r.live : null;
}

/** A binary report's holdout figures (null for other tasks). */
export function binaryHoldout(r: Pick<ModelQualityReport, 'holdout'>): HoldoutFigures | null {
  return 'task' in r.holdout ? null : r.holdout;
}
