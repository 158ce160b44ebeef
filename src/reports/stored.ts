// Report objects by id in the store: newest-first ids, the model read from the id (lists cost O(limit) reads), retention per model.
import { env } from '../config/env';
import type { ArtifactStore } from '../store';
import { REPORT_ID } from '../util/report-id';

/** Report ids under `prefix` (`<prefix><id>.json`), newest first: ids start with the window's end stamp. One list call, no reads. */
export async function reportIdsNewestFirst(store: ArtifactStore, prefix: string): Promise<string[]> {
  return (await store.list(prefix))
    .map((o) => o.key.slice(prefix.length))
    .filter((n) => !n.includes('/') && n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .filter((id) => REPORT_ID.test(id))
    .sort()
    .reverse();
}

/**
 * The model a monitor's report id names: ids are `<stamp>-<model>-<tag><run tail>` (src/util/report-id.ts), the
 * stamp and the tail without dashes, so the model is what lies between the first and the last dash.
 */
export function modelOfReportId(id: string): string | undefined {
  const first = id.indexOf('-');
  const last = id.lastIndexOf('-');
  return first > 0 && last > first + 1 ? id.slice(first + 1, last) : undefined;
}

/**
 * Reads reports newest first until `limit` are kept. With a model, ids of other models are skipped by their
 * name, never read, so a filter that matches nothing costs one list call and no reads.
 */
export async function listNewest<T>(ids: readonly string[], opts: { limit: number; model?: string }, read: (id: string) => Promise<T | null>, model: (r: T) => string): Promise<T[]> {
  const out: T[] = [];
  for (const id of ids) {
    if (out.length >= opts.limit) break;
    if (opts.model !== undefined && modelOfReportId(id) !== opts.model) continue;
    const r = await read(id);
    if (r && (opts.model === undefined || model(r) === opts.model)) out.push(r);
  }
  return out;
}

/**
 * Retention: keeps the newest `keep` reports of `model` under `prefix` and deletes the older ones (JSON, then
 * the page). Run after each new report, so the monitors' schedules apply it. Returns how many were deleted.
 */
export async function pruneReports(store: ArtifactStore, prefix: string, model: string, keep: number): Promise<number> {
  const mine = (await reportIdsNewestFirst(store, prefix)).filter((id) => modelOfReportId(id) === model);
  const old = mine.slice(keep);
  for (const id of old) {
    // the JSON first: a report that is listed always has its page
    await store.backend.delete(`${prefix}${id}.json`);
    await store.backend.delete(`${prefix}${id}.html`);
  }
  return old.length;
}

/** REPORTS_KEEP_PER_MODEL (500 when the settings cannot be read here: retention never stops a monitor). */
export function reportsKeep(): number {
  try {
    return env().REPORTS_KEEP_PER_MODEL;
  } catch {
    return 500;
  }
}

/** Retention after a monitor wrote a report; a failure is logged by the caller's `warn`, never fails the run. */
export async function applyRetention(store: ArtifactStore, prefix: string, model: string, warn: (message: string) => void = () => undefined): Promise<void> {
  try {
    await pruneReports(store, prefix, model, reportsKeep());
  } catch (err) {
    warn(`report retention for ${model} failed: ${(err as Error).message}`);
  }
}
