// What the console pages show, read through the registry and the report stores' own list/read functions.
import { DRIFT_REPORTS_PREFIX, listDriftReports, readDriftReport } from '../drift/report/store';
import { idMayBeInRange, inRange, modelOfReportId, reportIdsNewestFirst } from '../reports/stored';
import type { DriftReport } from '../drift/monitor/report-model';
import { listQualityReports, QUALITY_REPORTS_PREFIX } from '../model-quality/report';
import type { ModelQualityReport } from '../model-quality/report';
import { readQualityReport } from '../model-quality/report';
import { CARD_FILES } from '../model-card/card';
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
  /** Whether the champion has a model card (imported and older versions have none). */
  championCard: boolean;
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
    const championCard = champion !== null && (await registry.versionsWithFile(name, CARD_FILES.html)).has(champion);
    const [drift] = await listDriftReports(store, { limit: 1, model: name });
    const [quality] = await listQualityReports(store, { limit: 1, model: name });
    rows.push({
      name,
      champion,
      task,
      keyMetric: { label: km.label, value: candidateMetrics(shown)[km.field] },
      lastTrainedAt: latest.createdAt,
      championCard,
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
  /** The versions that have a model card. */
  cards: Set<number>;
  history: { alias: string; version: number; at: string; reason: string }[];
  /** Oldest first. */
  drift: DriftReport[];
  quality: ModelQualityReport[];
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
  const quality: ModelQualityReport[] = [];
  for (const s of await listQualityReports(store, { limit: reports, model: name })) {
    const r = await readQualityReport(store, s.id);
    if (r) quality.push(r);
  }
  return {
    name,
    champion: (await registry.alias(name)) ?? null,
    versions,
    cards: await registry.versionsWithFile(name, CARD_FILES.html),
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
  /** Window end at or after this (epoch ms). */
  since?: number;
  /** Window end before this (epoch ms). */
  until?: number;
  page: number;
  size: number;
}

/**
 * Page `page` of the newest reports: one list call per kind for the ids (newest first: ids start with the window's
 * end stamp; other models' ids are skipped by name), then only the page's reports are read, so a page costs at
 * most `size` reads however many are stored. The time range is judged on the ids' stamps too (no reads), to the
 * second; a report within a second of a bound is then judged on its window end once read. The verdict filter applies
 * to the reports of that page.
 */
export async function reportPage(store: ArtifactStore, q: ReportPageQuery): Promise<{ rows: ReportRow[]; hasNext: boolean }> {
  const tagged: { kind: 'drift' | 'quality'; id: string }[] = [];
  if (q.kind !== 'quality') tagged.push(...(await reportIdsNewestFirst(store, DRIFT_REPORTS_PREFIX)).map((id) => ({ kind: 'drift' as const, id })));
  if (q.kind !== 'drift') tagged.push(...(await reportIdsNewestFirst(store, QUALITY_REPORTS_PREFIX)).map((id) => ({ kind: 'quality' as const, id })));
  const timed = q.since !== undefined || q.until !== undefined;
  const mine = tagged.filter((t) => (q.model === undefined || modelOfReportId(t.id) === q.model) && (!timed || idMayBeInRange(t.id, q)));
  mine.sort((a, b) => (a.id === b.id ? a.kind.localeCompare(b.kind) : a.id < b.id ? 1 : -1));
  const slice = mine.slice((q.page - 1) * q.size, q.page * q.size);
  const read = async (t: { kind: 'drift' | 'quality'; id: string }): Promise<ReportRow | null> => {
    const r = t.kind === 'drift' ? await readDriftReport(store, t.id) : await readQualityReport(store, t.id);
    if (!r) return null;
    const href = t.kind === 'drift' ? `/v1/reports/${r.id}.html` : `/v1/reports/quality/${r.id}.html`;
    return { kind: t.kind, id: r.id, createdAt: r.createdAt, windowEnd: r.window.end, model: r.model, modelVersion: r.modelVersion, verdict: r.verdict, summary: r.summary, href };
  };
  const rows: ReportRow[] = [];
  for (const t of slice) {
    const r = await read(t);
    if (r && (q.model === undefined || r.model === q.model) && (!timed || inRange(r.windowEnd, q))) rows.push(r);
  }
  return { rows: q.verdict ? rows.filter((r) => r.verdict === q.verdict) : rows, hasNext: mine.length > q.page * q.size };
}
