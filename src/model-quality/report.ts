// The model-quality report: one zod shape for the JSON file, the HTML page and the API; stored under var/reports/model-quality.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { REPORT_ID } from '../drift/monitor/report-model';
import { QualityMonitorSpec } from '../spec/dataset';
import { writeFileAtomic } from '../util/fs-atomic';
import { renderQualityHtml } from './html';
import { HoldoutFigures, LiveMetrics, PositiveRateTest, QualityVerdict, Violation } from './verdict';

export const ScoreHistogram = z.object({
  /** Bin edges over [0, 1]. */
  edges: z.array(z.number()),
  positives: z.array(z.number().int()),
  negatives: z.array(z.number().int()),
});
export type ScoreHistogram = z.infer<typeof ScoreHistogram>;

export const QualityReport = z.object({
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
  live: LiveMetrics.nullable(),
  holdout: HoldoutFigures,
  positiveRate: PositiveRateTest.nullable(),
  histogram: ScoreHistogram.nullable(),
  verdict: QualityVerdict,
  violations: z.array(Violation),
  notes: z.array(z.string()),
  summary: z.string(),
});
export type QualityReport = z.infer<typeof QualityReport>;

export const QualityReportSummary = QualityReport.pick({ id: true, createdAt: true, model: true, modelVersion: true, window: true, verdict: true, summary: true }).extend({
  labeled: z.number().int(),
});
export type QualityReportSummary = z.infer<typeof QualityReportSummary>;

export function qualityReportsDir(varDir: string): string {
  return path.join(varDir, 'reports', 'model-quality');
}

export function qualityReportPaths(dir: string, id: string): { jsonPath: string; htmlPath: string } {
  if (!REPORT_ID.test(id)) throw new RangeError(`invalid report id ${JSON.stringify(id)}`);
  return { jsonPath: path.join(dir, `${id}.json`), htmlPath: path.join(dir, `${id}.html`) };
}

/** Page first, then JSON (what lists see), so a listed report always has its page; a retry rewrites both whole. */
export async function writeQualityReport(dir: string, report: QualityReport): Promise<{ jsonPath: string; htmlPath: string }> {
  const valid = QualityReport.parse(report);
  const paths = qualityReportPaths(dir, valid.id);
  await writeFileAtomic(paths.htmlPath, renderQualityHtml(valid));
  await writeFileAtomic(paths.jsonPath, `${JSON.stringify(valid, null, 2)}\n`);
  return paths;
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function readQualityReport(dir: string, id: string): Promise<QualityReport | null> {
  const text = await readOrNull(qualityReportPaths(dir, id).jsonPath);
  if (text === null) return null;
  try {
    const parsed = QualityReport.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function readQualityReportHtml(dir: string, id: string): Promise<string | null> {
  return readOrNull(qualityReportPaths(dir, id).htmlPath);
}

/** Newest first (ids start with the window end stamp). */
export async function listQualityReports(dir: string, opts: { limit?: number; model?: string } = {}): Promise<QualityReportSummary[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort().reverse();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: QualityReportSummary[] = [];
  for (const name of names) {
    if (out.length >= (opts.limit ?? 50)) break;
    const r = await readQualityReport(dir, name.slice(0, -5));
    if (!r || (opts.model && r.model !== opts.model)) continue;
    out.push({ id: r.id, createdAt: r.createdAt, model: r.model, modelVersion: r.modelVersion, window: r.window, verdict: r.verdict, summary: r.summary, labeled: r.counts.labeled });
  }
  return out;
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
