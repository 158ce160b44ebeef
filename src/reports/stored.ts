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

/** Reports whose window ended at or after `since` and before `until` (epoch ms; either may be absent). */
export interface TimeRange {
  since?: number;
  until?: number;
}

const ID_STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/;

/** The window end an id starts with, to the second (epoch ms); undefined for an id that has no stamp. */
export function stampOfReportId(id: string): number | undefined {
  const m = ID_STAMP.exec(id);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Whether a report may be in `range` judging by its id alone, so reports outside it are skipped without a read. The
 * stamp drops the milliseconds, so an id within a second of a bound is kept and judged on its window end once read
 * (inRange); an id without a stamp is always kept.
 */
export function idMayBeInRange(id: string, range: TimeRange): boolean {
  const t = stampOfReportId(id);
  if (t === undefined) return true;
  return (range.since === undefined || t + 1000 > range.since) && (range.until === undefined || t < range.until);
}

/** Whether a report whose window ended at `windowEnd` (ISO) is in `range`. */
export function inRange(windowEnd: string, range: TimeRange): boolean {
  const t = Date.parse(windowEnd);
  return (range.since === undefined || t >= range.since) && (range.until === undefined || t < range.until);
}

/**
 * Reads reports newest first until `limit` are kept. With a model, ids of other models are skipped by their
 * name, never read, so a filter that matches nothing costs one list call and no reads; with a time range, ids
 * whose stamp is outside it are skipped the same way (`windowEnd` then judges the ones read).
 */
export async function listNewest<T>(
  ids: readonly string[],
  opts: { limit: number; model?: string } & TimeRange,
  read: (id: string) => Promise<T | null>,
  model: (r: T) => string,
  windowEnd?: (r: T) => string,
): Promise<T[]> {
  const out: T[] = [];
  const timed = opts.since !== undefined || opts.until !== undefined;
  for (const id of ids) {
    if (out.length >= opts.limit) break;
    if (opts.model !== undefined && modelOfReportId(id) !== opts.model) continue;
    if (timed && !idMayBeInRange(id, opts)) continue;
    const r = await read(id);
    if (!r || (opts.model !== undefined && model(r) !== opts.model)) continue;
    if (timed && windowEnd && !inRange(windowEnd(r), opts)) continue;
    out.push(r);
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
