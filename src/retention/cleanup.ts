// Store retention, run by the store-cleanup schedule: old training-run folders under runs/ and reports past the per-model count.
import { z } from 'zod';
import { DRIFT_REPORTS_PREFIX } from '../drift/report/store';
import { QUALITY_REPORTS_PREFIX } from '../model-quality/report';
import { Registry } from '../registry/registry';
import { modelOfReportId, pruneReports, reportIdsNewestFirst } from '../reports/stored';
import type { ArtifactStore } from '../store';
import { runDirName, runDirOfKey, RUNS_PREFIX } from '../store/layout';

const DAY = 86_400_000;

export const StoreCleanupInput = z
  .object({
    /** Delete a run's folder when nothing in it was written for this many days (default RUNS_KEEP_DAYS). */
    runsKeepDays: z.number().positive().max(36_500).optional(),
    /** Reports kept per model and kind (default REPORTS_KEEP_PER_MODEL). */
    reportsKeepPerModel: z.number().int().positive().optional(),
  })
  .strict();
export type StoreCleanupInput = z.input<typeof StoreCleanupInput>;

export interface StoreCleanupResult {
  /** Run folders deleted (`<workflowId>__<runId>`), oldest first. */
  runsDeleted: string[];
  /** Objects removed with them. */
  objectsDeleted: number;
  /** Old run folders kept because a champion came from them (or its spec reads them). */
  runsKeptForChampions: string[];
  /** Run folders younger than the limit (training runs in flight among them). */
  runsRecent: number;
  reportsDeleted: number;
}

/**
 * The run folders a champion needs: the one it was trained in (its snapshot, profile and holdout scores stay
 * traceable) and any run folder its spec reads as a `store:runs/...` source. Read from the registry on every pass,
 * so a rollback or a promotion is seen by the next cleanup.
 */
export async function championRunDirs(store: ArtifactStore): Promise<Set<string>> {
  const registry = new Registry(store);
  const dirs = new Set<string>();
  for (const model of await registry.models()) {
    const version = await registry.alias(model);
    if (version === undefined) continue;
    const meta = await registry.metadata(model, version);
    const slash = meta.runKey.lastIndexOf('/');
    const workflowId = meta.workflowId ?? (slash > 0 ? meta.runKey.slice(0, slash) : undefined);
    const runId = meta.runId ?? (slash > 0 ? meta.runKey.slice(slash + 1) : undefined);
    if (workflowId && runId) dirs.add(runDirName(workflowId, runId));
    const source = (meta.spec as { source?: { path?: unknown } } | undefined)?.source?.path;
    if (typeof source === 'string' && source.startsWith(`store:${RUNS_PREFIX}`)) {
      const dir = runDirOfKey(source.slice('store:'.length));
      if (dir) dirs.add(dir);
    }
  }
  return dirs;
}

/**
 * One retention pass. A run folder goes when its newest object is older than `runsKeepDays` (a run in flight writes
 * checkpoints and heartbeats its steps, so its folder stays young) and no champion needs it; the folder's objects
 * are deleted one by one, and a pass cut short leaves an old folder that the next pass finishes. Then each
 * model's reports past `reportsKeepPerModel` (models named by the report ids, so a model no longer registered is
 * pruned too).
 */
export async function cleanStore(store: ArtifactStore, o: { runsKeepDays: number; reportsKeepPerModel: number; now: number }): Promise<StoreCleanupResult> {
  const cutoff = o.now - o.runsKeepDays * DAY;
  const folders = new Map<string, { keys: string[]; newest: number }>();
  for (const obj of await store.list(RUNS_PREFIX)) {
    const dir = runDirOfKey(obj.key);
    if (!dir) continue;
    const f = folders.get(dir) ?? { keys: [], newest: 0 };
    f.keys.push(obj.key);
    f.newest = Math.max(f.newest, obj.modifiedMs);
    folders.set(dir, f);
  }
  const champions = await championRunDirs(store);
  const result: StoreCleanupResult = { runsDeleted: [], objectsDeleted: 0, runsKeptForChampions: [], runsRecent: 0, reportsDeleted: 0 };
  for (const [dir, f] of [...folders].sort((a, b) => a[1].newest - b[1].newest)) {
    if (f.newest >= cutoff) {
      result.runsRecent++;
      continue;
    }
    if (champions.has(dir)) {
      result.runsKeptForChampions.push(dir);
      continue;
    }
    for (const key of f.keys) await store.delete(key);
    result.runsDeleted.push(dir);
    result.objectsDeleted += f.keys.length;
  }
  for (const prefix of [DRIFT_REPORTS_PREFIX, QUALITY_REPORTS_PREFIX]) {
    const models = new Set((await reportIdsNewestFirst(store, prefix)).map(modelOfReportId).filter((m): m is string => m !== undefined));
    for (const model of models) result.reportsDeleted += await pruneReports(store, prefix, model, o.reportsKeepPerModel);
  }
  return result;
}
