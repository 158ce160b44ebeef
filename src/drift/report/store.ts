// Drift reports on disk: <varDir>/reports/drift/<id>.json and <id>.html, written atomically, read back validated.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../util/fs-atomic';
import { DriftReport, DriftReportSummary, REPORT_ID } from '../monitor/report-model';
import { renderReportHtml } from './html';

export function driftReportsDir(varDir: string): string {
  return path.join(varDir, 'reports', 'drift');
}

export interface ReportPaths {
  jsonPath: string;
  htmlPath: string;
}

/** The files of report `id`; throws on an id that is not a plain name, so no caller can escape `dir`. */
export function reportPaths(dir: string, id: string): ReportPaths {
  if (!REPORT_ID.test(id)) throw new RangeError(`invalid report id ${JSON.stringify(id)}`);
  return { jsonPath: path.join(dir, `${id}.json`), htmlPath: path.join(dir, `${id}.html`) };
}

/**
 * Writes the HTML page, then the JSON. The JSON is what lists see, so a listed report always has its
 * page; rewriting the same report (a retried activity) replaces both files whole.
 */
export async function writeDriftReport(dir: string, report: DriftReport): Promise<ReportPaths> {
  const valid = DriftReport.parse(report);
  const paths = reportPaths(dir, valid.id);
  await writeFileAtomic(paths.htmlPath, renderReportHtml(valid));
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

/** The stored report, or null when there is none (or the file is not a valid report). */
export async function readDriftReport(dir: string, id: string): Promise<DriftReport | null> {
  const text = await readOrNull(reportPaths(dir, id).jsonPath);
  if (text === null) return null;
  try {
    const parsed = DriftReport.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The stored HTML page of report `id`, or null. */
export async function readDriftReportHtml(dir: string, id: string): Promise<string | null> {
  return readOrNull(reportPaths(dir, id).htmlPath);
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

/** Newest first (ids start with the window's end stamp), at most `limit`, optionally of one model. */
export async function listDriftReports(dir: string, opts: { limit?: number; model?: string } = {}): Promise<DriftReportSummary[]> {
  const limit = opts.limit ?? 50;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const ids = names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .filter((id) => REPORT_ID.test(id))
    .sort()
    .reverse();
  const out: DriftReportSummary[] = [];
  for (const id of ids) {
    if (out.length >= limit) break;
    const r = await readDriftReport(dir, id);
    if (r && (opts.model === undefined || r.model === opts.model)) out.push(summaryOf(r));
  }
  return out;
}
