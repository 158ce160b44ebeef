// Drift reports in the artifact store: reports/drift/<id>.json and <id>.html, each written whole, read back validated.
import type { ArtifactStore } from '../../store';
import { DRIFT_REPORTS_PREFIX, reportObjectKeys } from '../../store/layout';
import { listNewest, reportIdsNewestFirst, type TimeRange } from '../../reports/stored';
import { DriftReport, DriftReportSummary, REPORT_ID } from '../monitor/report-model';
import { renderReportHtml } from './html';

export { DRIFT_REPORTS_PREFIX };

export interface ReportKeys {
  jsonKey: string;
  htmlKey: string;
}

/** The store keys of report `id`; throws on an id that is not a plain name, so no caller can escape the prefix. */
export function reportKeys(id: string): ReportKeys {
  if (!REPORT_ID.test(id)) throw new RangeError(`invalid report id ${JSON.stringify(id)}`);
  return reportObjectKeys(DRIFT_REPORTS_PREFIX, id);
}

/**
 * Writes the HTML page, then the JSON. The JSON is what lists see, so a listed report always has its
 * page; rewriting the same report (a retried activity) replaces both files whole.
 */
export async function writeDriftReport(store: ArtifactStore, report: DriftReport): Promise<ReportKeys> {
  const valid = DriftReport.parse(report);
  const keys = reportKeys(valid.id);
  await store.put(keys.htmlKey, renderReportHtml(valid));
  await store.putJson(keys.jsonKey, valid);
  return keys;
}

async function readOrNull(store: ArtifactStore, key: string): Promise<string | null> {
  return (await store.get(key))?.toString('utf8') ?? null;
}

/** The stored report, or null when there is none (or the object is not a valid report). */
export async function readDriftReport(store: ArtifactStore, id: string): Promise<DriftReport | null> {
  const text = await readOrNull(store, reportKeys(id).jsonKey);
  if (text === null) return null;
  try {
    const parsed = DriftReport.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The stored HTML page of report `id`, or null. */
export async function readDriftReportHtml(store: ArtifactStore, id: string): Promise<string | null> {
  return readOrNull(store, reportKeys(id).htmlKey);
}

export function summaryOf(r: DriftReport): DriftReportSummary {
  return {
    id: r.id,
    createdAt: r.createdAt,
    model: r.model,
    modelVersion: r.modelVersion,
    window: r.window,
    rows: r.rows,
    verdict: r.verdict,
    summary: r.summary,
    drifted: r.drifted.map((d) => d.feature),
  };
}

/** Newest first (ids start with the window's end stamp), at most `limit`, optionally of one model; O(limit) reads. */
export async function listDriftReports(store: ArtifactStore, opts: { limit?: number; model?: string } & TimeRange = {}): Promise<DriftReportSummary[]> {
  const ids = await reportIdsNewestFirst(store, DRIFT_REPORTS_PREFIX);
  const reports = await listNewest(
    ids,
    { limit: opts.limit ?? 50, ...(opts.model !== undefined ? { model: opts.model } : {}), since: opts.since, until: opts.until },
    (id) => readDriftReport(store, id),
    (r) => r.model,
    (r) => r.window.end,
  );
  return reports.map(summaryOf);
}
