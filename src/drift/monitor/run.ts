// One monitor run in three steps over the registry and the artifact store: plan (model, window, settings), execute (report), record.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DatasetProfile } from '../../profile/schema';
import { Registry, RegistryError } from '../../registry/registry';
import { loadSpec, parseSpec, SpecError } from '../../spec/dataset';
import type { ArtifactStore } from '../../store';
import { driftRetrainSpecKey } from '../../store/layout';
import { monitorReportId } from '../../util/report-id';
import { applyRetention } from '../../reports/stored';
import { DRIFT_REPORTS_PREFIX, writeDriftReport } from '../report/store';
import { listCaptureKeys } from './capture-files';
import { buildReport, checkCapture } from './check';
import type { MonitoredFeature } from './live';
import type { DatasetDriftSummary, DriftedColumn, Verdict } from './report-model';
import { monitorSettingsFromSpec, SettingsError, type MonitorSettings } from './settings';
import { readMonitorState } from './state';
import { boundCatchUp, DEFAULT_MAX_CATCH_UP_MINUTES, DriftWindowInput, resolveWindow, WindowError, type DriftWindow, type SkippedSpan } from './window';
import { modelNameSchema } from '../../registry/model-name';

/** Rows stamped in the last 30 s wait for the next run (see WindowDefaults.lagSeconds). */
export const DEFAULT_LAG_SECONDS = 30;

/** driftMonitor's input: every field optional. */
export const DriftMonitorInput = z
  .object({
    /** Registry model name; default the worker's MODEL_NAME. */
    model: modelNameSchema().optional(),
    window: DriftWindowInput.optional(),
    lagSeconds: z.number().min(0).max(3600).optional(),
    /** Flag a feature whose missing share moves by at least this (default 0.1). */
    missingRateThreshold: z.number().gt(0).lte(1).optional(),
    /** Override the spec's drift.retrainOnDrift. */
    retrainOnDrift: z.boolean().optional(),
    /** The spec a retrain runs; default: the champion's own spec from the registry. */
    retrainSpec: z.string().min(1).optional(),
    /** A window that starts where the previous run ended checks at most this many newest minutes (default 24 h). */
    maxCatchUpMinutes: z
      .number()
      .positive()
      .max(366 * 24 * 60)
      .optional(),
  })
  .strict();
export type DriftMonitorInput = z.input<typeof DriftMonitorInput>;

export type DriftErrorType = 'InvalidDriftInput' | 'InvalidDriftSettings' | 'ProfileMissing';

/** Bad input or a broken registry entry: retrying cannot help (the activity makes it non-retryable). */
export class DriftError extends Error {
  constructor(
    readonly type: DriftErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'DriftError';
  }
}

export interface DriftPlan {
  model: string;
  version: number;
  window: DriftWindow;
  /** Rows a bounded catch-up did not check (the report and its summary say so). */
  skipped?: SkippedSpan;
  settings: MonitorSettings;
  features: MonitoredFeature[];
  reportId: string;
  /** The previous run's verdict and whether it left a drift alert open. */
  previousVerdict?: Verdict;
  alertOpen: boolean;
  retrainSpec?: string;
}

export type PlanResult = { kind: 'check'; plan: DriftPlan } | { kind: 'skip'; model: string; reason: string };

export interface PlanOptions {
  store: ArtifactStore;
  /** The model when the input names none. */
  defaultModel: string;
  input: unknown;
  /** The run's clock, ms. */
  now: number;
  runId: string;
}

/** `<window end>-<model>-<run id tail>` (see monitorReportId). */
export function reportIdFor(model: string, window: DriftWindow, runId: string): string {
  return monitorReportId(model, window.end, runId);
}

/** Validates the input and fixes what this run checks: the champion, its settings, and the window. */
export async function planDriftCheck(o: PlanOptions): Promise<PlanResult> {
  const parsed = DriftMonitorInput.safeParse(o.input ?? {});
  if (!parsed.success) {
    throw new DriftError('InvalidDriftInput', `invalid driftMonitor input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
  }
  const input = parsed.data;
  const model = input.model ?? o.defaultModel;
  const registry = new Registry(o.store);
  const version = await registry.alias(model);
  if (version === undefined) return { kind: 'skip', model, reason: `model ${model} has no champion yet; nothing to monitor` };
  const meta = await registry.metadata(model, version);
  let settings: MonitorSettings;
  try {
    settings = monitorSettingsFromSpec(meta.spec, { ...(input.missingRateThreshold !== undefined ? { missingRateThreshold: input.missingRateThreshold } : {}) });
  } catch (err) {
    if (err instanceof SettingsError) throw new DriftError('InvalidDriftSettings', `${model} v${version}: ${err.message}`);
    throw err;
  }
  if (input.retrainOnDrift !== undefined) settings = { ...settings, retrainOnDrift: input.retrainOnDrift };
  const state = await readMonitorState(o.store, model);
  let window: DriftWindow;
  let skipped: SkippedSpan | undefined;
  try {
    window = resolveWindow(input.window, {
      now: o.now,
      lagSeconds: input.lagSeconds ?? DEFAULT_LAG_SECONDS,
      ...(state?.lastWindowEnd ? { lastEnd: state.lastWindowEnd } : {}),
      firstStart: meta.createdAt,
    });
  } catch (err) {
    if (err instanceof WindowError) throw new DriftError('InvalidDriftInput', err.message);
    throw err;
  }
  // Only the default window catches up; a start or lastMinutes the caller gave is checked as given.
  if (input.window?.start === undefined && input.window?.lastMinutes === undefined) {
    ({ window, skipped } = boundCatchUp(window, input.maxCatchUpMinutes ?? DEFAULT_MAX_CATCH_UP_MINUTES));
  }
  return {
    kind: 'check',
    plan: {
      model,
      version,
      window,
      ...(skipped ? { skipped } : {}),
      settings,
      features: meta.features.map((f) => ({ name: f.name, type: f.type })),
      reportId: reportIdFor(model, window, o.runId),
      ...(state?.lastVerdict ? { previousVerdict: state.lastVerdict } : {}),
      alertOpen: state?.alertOpen ?? false,
      ...(input.retrainSpec ? { retrainSpec: input.retrainSpec } : {}),
    },
  };
}

/** What the workflow needs from a check (the full report stays in the store, out of the history). */
export interface DriftCheckOutcome {
  reportId: string;
  verdict: Verdict;
  summary: string;
  rows: number;
  dataset: DatasetDriftSummary;
  drifted: DriftedColumn[];
  /** Store keys of the report (JSON and page). */
  jsonKey: string;
  htmlKey: string;
  /** The page as the API serves it, when its base URL is known. */
  reportUrl?: string;
}

export interface ExecuteOptions {
  store: ArtifactStore;
  plan: DriftPlan;
  run: { workflowId: string; runId: string; url?: string } | null;
  /** e.g. http://127.0.0.1:8080: the report link becomes <base>/v1/reports/<id>.html. */
  reportBaseUrl?: string;
  createdAt: string;
}

/** Reads the champion's profile and the window's capture files, compares them, writes JSON + HTML. Idempotent per report id. */
export async function executeDriftCheck(o: ExecuteOptions): Promise<DriftCheckOutcome> {
  const { plan } = o;
  const registry = new Registry(o.store);
  let reference: DatasetProfile;
  try {
    reference = DatasetProfile.parse(JSON.parse((await registry.readFile(plan.model, plan.version, 'profile.json')).toString('utf8')));
  } catch (err) {
    const why = err instanceof RegistryError || (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is missing' : `it is unreadable (${(err as Error).message.slice(0, 300)})`;
    throw new DriftError('ProfileMissing', `cannot monitor ${plan.model} v${plan.version}: its training profile (profile.json in the registry) ${why}`);
  }
  // every replica's capture objects of the window, each fetched (the store's own file, or a cached download) just
  // before DuckDB reads it, so a store cache smaller than the window never evicts a file still to be read
  const keys = await listCaptureKeys(o.store, plan.model, plan.window);
  const check = await checkCapture({ files: keys, open: (key) => o.store.fetchFile(key), window: plan.window, model: plan.model, reference, features: plan.features, settings: plan.settings });
  const report = buildReport(
    {
      id: plan.reportId,
      createdAt: o.createdAt,
      model: plan.model,
      modelVersion: plan.version,
      window: plan.window,
      ...(plan.skipped ? { skipped: plan.skipped } : {}),
      settings: plan.settings,
      reference,
      run: o.run,
    },
    check,
  );
  const paths = await writeDriftReport(o.store, report);
  await applyRetention(o.store, DRIFT_REPORTS_PREFIX, plan.model);
  return {
    reportId: report.id,
    verdict: report.verdict,
    summary: report.summary,
    rows: report.rows,
    dataset: report.dataset,
    drifted: report.drifted,
    ...paths,
    ...(o.reportBaseUrl ? { reportUrl: `${o.reportBaseUrl.replace(/\/+$/, '')}/v1/reports/${report.id}.html` } : {}),
  };
}

function portable(sourcePath: string): boolean {
  return sourcePath.startsWith('npm:') || sourcePath.startsWith('store:') || path.isAbsolute(sourcePath);
}

/**
 * The spec file a retrain runs, in order: the one given; the champion's own spec from the registry,
 * written to var/drift/<model>/ when its source path does not depend on the original file's folder;
 * a spec under <projectRoot>/datasets with the model's name. A retrain re-runs that spec as it is: it
 * learns from newer data only when the spec's source covers it (a glob, a growing table).
 */
export async function resolveRetrainSpec(o: { store: ArtifactStore; projectRoot: string; model: string; version: number; explicit?: string }): Promise<{ spec?: string; note: string }> {
  if (o.explicit) {
    const file = path.resolve(o.projectRoot, o.explicit);
    try {
      await stat(file);
      return { spec: file, note: `retrain spec given: ${file}` };
    } catch {
      return { note: `retrain spec ${file} does not exist; not retraining` };
    }
  }
  const meta = await new Registry(o.store).metadata(o.model, o.version);
  try {
    const spec = parseSpec(meta.spec, `spec of ${o.model} v${o.version}`);
    if (portable(spec.source.path)) {
      // in the store, so whichever worker runs the retrain can read it
      const key = driftRetrainSpecKey(o.model, o.version);
      await o.store.putJson(key, meta.spec);
      return { spec: `store:${key}`, note: `retraining with the spec of v${o.version} from the registry` };
    }
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
  }
  const dir = path.join(o.projectRoot, 'datasets');
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    // no datasets folder: nothing to find
  }
  for (const name of names) {
    try {
      const { spec, file } = await loadSpec(path.join(dir, name), o.projectRoot);
      if (spec.name === o.model) return { spec: file, note: `retraining with ${file}` };
    } catch {
      // not a spec (or a broken one): keep looking
    }
  }
  return { note: `no spec found for ${o.model} (give retrainSpec); not retraining` };
}
