// What the console pages show, read through the registry and the report stores' own list/read functions.
import { listDriftReports, readDriftReport } from '../drift/report/store';
import type { DriftReport } from '../drift/monitor/report-model';
import { listQualityReports } from '../model-quality/report';
import type { QualityReport } from '../model-quality/report';
import { readQualityReport } from '../model-quality/report';
import type { Registry, VersionMetadata } from '../registry/registry';
import type { ArtifactStore } from '../store';
import { versionTask } from '../task/version-task';

export type Task = 'binary' | 'multiclass' | 'regression';

/** The metric a person compares versions by, per task (lower is better for log loss and RMSE). */
export const KEY_METRIC: Record<Task, { field: string; label: string }> = {
  binary: { field: 'auc', label: 'AUC' },
  multiclass: { field: 'logLoss', label: 'log loss' },
  regression: { field: 'rmse', label: 'RMSE' },
};

export function taskOf(meta: VersionMetadata): Task {
  try {
    return versionTask(meta).task;
  } catch {
    return 'multiclass';
  }
}

export function candidateMetrics(meta: VersionMetadata): Record<string, unknown> {
  const c = meta.metrics.candidate;
  return c && typeof c === 'object' ? (c as Record<string, unknown>) : {};
}

export interface ModelRow {
  name: string;
  champion: number | null;
  task: Task;
  keyMetric: { label: string; value: unknown };
  lastTrainedAt: string | null;
  drift: { verdict: string; id: string } | null;
  quality: { verdict: string; id: string } | null;
}

export async function modelRows(registry: Registry, store: ArtifactStore): Promise<ModelRow[]> {
  const rows: ModelRow[] = [];
  for (const name of await registry.models()) {
    const versions = await registry.versions(name);
    if (versions.length === 0) continue;
    const champion = (await registry.alias(name)) ?? null;
    const latest = await registry.metadata(name, versions[versions.length - 1]);
    const shown = champion !== null && champion !== latest.version ? await registry.metadata(name, champion) : latest;
    const task = taskOf(shown);
    const km = KEY_METRIC[task];
    const [drift] = await listDriftReports(store, { limit: 1, model: name });
    const [quality] = await listQualityReports(store, { limit: 1, model: name });
    rows.push({
      name,
      champion,
      task,
      keyMetric: { label: km.label, value: candidateMetrics(shown)[km.field] },
      lastTrainedAt: latest.createdAt,
      drift: drift ? { verdict: drift.verdict, id: drift.id } : null,
      quality: quality ? { verdict: quality.verdict, id: quality.id } : null,
    });
  }
  return rows;
}

export interface ModelDetail {
  name: string;
  champion: number | null;
  versions: VersionMetadata[];
  history: { alias: string; version: number; at: string; reason: string }[];
  /** Oldest first. */
  drift: DriftReport[];
  quality: QualityReport[];
}

/** At most `reports` of each kind, the newest; null when the model is not in the registry. */
export async function modelDetail(registry: Registry, store: ArtifactStore, name: string, reports = 30): Promise<ModelDetail | null> {
  const numbers = await registry.versions(name);
  if (numbers.length === 0) return null;
  const versions = await Promise.all(numbers.map((v) => registry.metadata(name, v)));
  const drift: DriftReport[] = [];
  for (const s of await listDriftReports(store, { limit: reports, model: name })) {
    const r = await readDriftReport(store, s.id);
    if (r) drift.push(r);
  }
  const quality: QualityReport[] = [];
  for (const s of await listQualityReports(store, { limit: reports, model: name })) {
    const r = await readQualityReport(store, s.id);
    if (r) quality.push(r);
  }
  return {
    name,
    champion: (await registry.alias(name)) ?? null,
    versions,
    history: await registry.aliasHistory(name),
    drift: drift.reverse(),
    quality: quality.reverse(),
  };
}

export interface ReportRow {
  kind: 'drift' | 'quality';
  id: string;
  createdAt: string;
  windowEnd: string;
  model: string;
  modelVersion: number;
  verdict: string;
  summary: string;
  href: string;
}

export interface ReportPageQuery {
  model?: string;
  kind?: 'drift' | 'quality';
  verdict?: string;
  page: number;
  size: number;
}

/**
 * Page `page` of the newest reports. The list functions read at most `limit` reports, so a page costs
 * page*size+1 reads per kind (the +1 tells whether there is a next page), however many are stored. The verdict
 * filter applies to the reports of that page.
 */
export async function reportPage(store: ArtifactStore, q: ReportPageQuery): Promise<{ rows: ReportRow[]; hasNext: boolean }> {
  const limit = q.page * q.size + 1;
  const opts = { limit, ...(q.model ? { model: q.model } : {}) };
  const all: ReportRow[] = [];
  if (q.kind !== 'quality') {
    for (const r of await listDriftReports(store, opts)) {
      all.push({ kind: 'drift', id: r.id, createdAt: r.createdAt, windowEnd: r.window.end, model: r.model, modelVersion: r.modelVersion, verdict: r.verdict, summary: r.summary, href: `/v1/reports/${r.id}.html` });
    }
  }
  if (q.kind !== 'drift') {
    for (const r of await listQualityReports(store, opts)) {
      all.push({ kind: 'quality', id: r.id, createdAt: r.createdAt, windowEnd: r.window.end, model: r.model, modelVersion: r.modelVersion, verdict: r.verdict, summary: r.summary, href: `/v1/reports/quality/${r.id}.html` });
    }
  }
  all.sort((a, b) => (a.windowEnd === b.windowEnd ? b.id.localeCompare(a.id) : b.windowEnd.localeCompare(a.windowEnd)));
  const slice = all.slice((q.page - 1) * q.size, q.page * q.size);
  return { rows: q.verdict ? slice.filter((r) => r.verdict === q.verdict) : slice, hasNext: all.length > q.page * q.size };
}
