// The monitor's compute path without Temporal: capture files + training profile in, a verdict and a report out.
import { DuckDb } from '../../data/duckdb';
import type { DatasetProfile } from '../../profile/schema';
import { compareWindow, type Comparison } from './compare';
import { profileCaptureWindow, type LiveWindow, type MonitoredFeature } from './live';
import { DriftReport } from './report-model';
import type { MonitorSettings } from './settings';
import type { DriftWindow, SkippedSpan } from './window';

export interface CaptureCheckInput {
  files: readonly string[];
  /** Fetches an entry of `files` (then store keys) just before it is read (see CaptureWindowQuery.open). */
  open?: (entry: string) => Promise<string>;
  /** Rows stamped in [start, end); omit to take every row of the files. */
  window?: DriftWindow;
  model?: string;
  reference: DatasetProfile;
  features: readonly MonitoredFeature[];
  settings: MonitorSettings;
  /** Reuse an open database (the caller closes it). */
  db?: DuckDb;
}

export interface CaptureCheck {
  live: LiveWindow;
  comparison: Comparison;
}

/** Reads the window once with DuckDB and compares it with the profile; no file is written. */
export async function checkCapture(input: CaptureCheckInput): Promise<CaptureCheck> {
  const db = input.db ?? (await DuckDb.open());
  try {
    const live = await profileCaptureWindow(db, input);
    return { live, comparison: compareWindow(input.reference, live, input.features, input.settings) };
  } finally {
    if (!input.db) db.close();
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, ' UTC');
}

/** The report's one-line summary, for the alert message and the page headline. */
export function summarize(model: string, version: number, window: DriftWindow, rows: number, minRows: number, c: Comparison): string {
  const where = `${model} v${version}, ${shortTime(window.start)} to ${shortTime(window.end)}`;
  if (c.verdict === 'insufficient data') return `Insufficient data for ${where}: ${fmt(rows)} captured rows, at least ${fmt(minRows)} needed; not judged.`;
  const names = c.drifted.map((d) => d.feature);
  const d = c.dataset;
  const counts = `${d.numberOfDriftedFeatures} of ${d.numberOfFeatures} features drifted`;
  if (c.verdict === 'no drift') return `No drift in ${where}: ${counts} over ${fmt(rows)} rows.`;
  const label = c.verdict === 'dataset drift' ? 'Dataset drift' : 'Feature drift';
  return `${label} in ${where}: ${counts} (${names.join(', ')}) over ${fmt(rows)} rows.`;
}

/** The summary's last sentence when a bounded catch-up left rows unchecked. */
export function skippedNote(skipped: SkippedSpan | undefined): string {
  return skipped ? ` Not checked: rows stamped ${shortTime(skipped.start)} to ${shortTime(skipped.end)} (${skipped.reason}).` : '';
}

export interface ReportContext {
  id: string;
  createdAt: string;
  model: string;
  modelVersion: number;
  window: DriftWindow;
  skipped?: SkippedSpan;
  settings: MonitorSettings;
  reference: DatasetProfile;
  run: { workflowId: string; runId: string; url?: string } | null;
}

/** Assembles (and validates) the stored report from a check. */
export function buildReport(ctx: ReportContext, check: CaptureCheck): DriftReport {
  const { live, comparison: c } = check;
  return DriftReport.parse({
    kind: 'drift',
    schemaVersion: 1,
    id: ctx.id,
    createdAt: ctx.createdAt,
    model: ctx.model,
    modelVersion: ctx.modelVersion,
    window: ctx.window,
    ...(ctx.skipped ? { skipped: ctx.skipped } : {}),
    rows: live.rows,
    minRows: ctx.settings.minRows,
    verdict: c.verdict,
    summary: summarize(ctx.model, ctx.modelVersion, ctx.window, live.rows, ctx.settings.minRows, c) + skippedNote(ctx.skipped),
    dataset: c.dataset,
    features: c.features,
    uncompared: c.uncompared,
    prediction: c.prediction,
    drifted: c.drifted,
    versionsSeen: live.versions,
    files: live.files,
    firstRowAt: live.firstTs,
    lastRowAt: live.lastTs,
    reference: {
      rows: ctx.reference.rows,
      createdAt: ctx.reference.createdAt,
      positiveRate: ctx.reference.label?.positiveRate ?? null,
      profileVersion: ctx.reference.version,
      resolution: ctx.reference.version >= 2 ? 'fine' : 'coarse',
    },
    settings: {
      datasetShare: ctx.settings.datasetShare,
      missingRateThreshold: ctx.settings.missingRateThreshold,
      smallReferenceLimit: ctx.settings.smallReferenceLimit,
      overrides: ctx.settings.overrides,
    },
    run: ctx.run,
  });
}
