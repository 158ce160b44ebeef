// The store's key layout: the one module that builds key strings (runs, reports, captures, labels, monitor state,
// alerts, usage, the registry), so
// no two places can disagree about where an object lives. Keys must stay byte-identical: stored data is read by them.
import { createHash } from 'node:crypto';
import { keySegment } from './keys';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `capture/<model>/`: the prefix under which every API replica writes its own capture objects. */
export function capturePrefix(model: string): string {
  return `capture/${model}/`;
}

/** `labels/<model>/`: the prefix under which every API replica writes its own label objects. */
export function labelsPrefix(model: string): string {
  return `labels/${model}/`;
}

/** UTC date and hour, e.g. 20250131T09: append-log file names sort by time and a glob over the folder reads them all. */
export function hourStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}`;
}

/** `<yyyymmddThh>-<instance>-<seq>.jsonl`: an append-log file (captures, labels), uploaded under its prefix as is. */
export function appendLogFileName(hour: string, instance: string, seq: number): string {
  return `${hour}-${instance}-${pad(seq, 6)}.jsonl`;
}

/** Where drift and model-quality reports are listed from: `<prefix><id>.json` beside `<prefix><id>.html`. */
export const DRIFT_REPORTS_PREFIX = 'reports/drift/';
export const QUALITY_REPORTS_PREFIX = 'reports/model-quality/';

/** A report's JSON and HTML keys under `prefix`; the caller checks the id is a plain name first. */
export function reportObjectKeys(prefix: string, id: string): { jsonKey: string; htmlKey: string } {
  return { jsonKey: `${prefix}${id}.json`, htmlKey: `${prefix}${id}.html` };
}

/** The drift monitor's state of one model (the last window it checked). */
export function driftStateKey(model: string): string {
  return `drift/${model}/state.json`;
}

/** The derived spec a drift retrain of `version` trains on. */
export function driftRetrainSpecKey(model: string, version: number): string {
  return `drift/${model}/retrain-spec-v${version}.json`;
}

/** The model-quality monitor's state of one model. */
export function qualityStateKey(model: string): string {
  return `model-quality/${model}/state.json`;
}

/** The prefix of a quality retrain's data and derived spec (`recent.parquet`, `combined.parquet`, `spec.json` under it). */
export function qualityRetrainPrefix(model: string, reportId: string): string {
  return `model-quality/${model}/retrain/${reportId}/`;
}

/** The store keys of one run's objects, all derived from its prefix (`runs/<workflowId>__<runId>`). */
export interface RunKeys {
  prefix: string;
  /** The Parquet snapshot and its manifest (ingest). */
  snapshot: string;
  manifest: string;
  /** The training profile and the expectations suggested from it (profileData). */
  profile: string;
  suggestedExpectations: string;
  /** The resumable trainer state, the trained model and the baseline beside it (trainModel). */
  checkpoint: string;
  model: string;
  baseline: string;
  /** The holdout prediction distribution (evaluateModel), registered inside profile.json. */
  holdoutScores: string;
  /** The exported ONNX graph (exportModel). */
  onnx: string;
  /** The data-quality gate's full report (validateData); under reports/ so the reports API lists it. */
  qualityReport: string;
}

/** Folder-safe name of a run: the workflow id plus the run id, so a reset or a rerun never reuses a snapshot. */
export function runDirName(workflowId: string, runId: string): string {
  return `${workflowId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100)}__${runId}`;
}

/** Where every training run's objects live: `runs/<run dir>/...`. */
export const RUNS_PREFIX = 'runs/';

/** The prefix of a run's objects, e.g. `runs/train-flights__0195...`. */
export function runPrefix(workflowId: string, runId: string): string {
  return `${RUNS_PREFIX}${runDirName(workflowId, runId)}`;
}

/** The run folder a store key under runs/ belongs to (`runs/<dir>/file` -> `<dir>`), else undefined. */
export function runDirOfKey(key: string): string | undefined {
  if (!key.startsWith(RUNS_PREFIX)) return undefined;
  const rest = key.slice(RUNS_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash > 0 ? rest.slice(0, slash) : undefined;
}

/** Every key of the run under `prefix` (a RunRef's `runPrefix`, also in histories recorded before this module). */
export function runKeys(prefix: string): RunKeys {
  const dirName = prefix.slice(prefix.lastIndexOf('/') + 1);
  return {
    prefix,
    snapshot: `${prefix}/snapshot.parquet`,
    manifest: `${prefix}/manifest.json`,
    profile: `${prefix}/profile.json`,
    suggestedExpectations: `${prefix}/suggested-expectations.json`,
    checkpoint: `${prefix}/checkpoint.json`,
    model: `${prefix}/model.json`,
    baseline: `${prefix}/baseline.json`,
    holdoutScores: `${prefix}/holdout-scores.json`,
    onnx: `${prefix}/model.onnx`,
    qualityReport: `reports/quality/${dirName}.json`,
  };
}

/** `alerts/<id>-<hash>.json`: each kept alert is its own object (no appends on object storage), named by its id. */
export function alertKey(id: string): string {
  return `alerts/${keySegment(id, 80)}-${createHash('sha256').update(id).digest('hex').slice(0, 12)}.json`;
}

/** The usage object of a single API process (or of the primary of a multi-process server). */
export const USAGE_KEY = 'usage.json';

/** The usage object only this replica writes: `usage/<instance>.json` when replicas share a store, else `usage.json`. */
export function usageKey(instance?: string): string {
  return instance ? `usage/${instance}.json` : USAGE_KEY;
}

/**
 * The model registry's layout under its root (default `registry`): `<name>/versions/<v>/<file>`, `<name>/claims/<v>.json`,
 * `<name>/runs/<hash of run key>.json` and `<name>/aliases.json`. The registry checks the model name before calling these.
 */
export const REGISTRY_PREFIX = 'registry';

/** `<root>/<name>/versions/`: every version's files are under it. */
export function registryVersionsPrefix(root: string, name: string): string {
  return `${root}/${name}/versions/`;
}

/** `<root>/<name>/versions/<v>`: one version's folder. */
export function registryVersionKey(root: string, name: string, version: number): string {
  return `${root}/${name}/versions/${version}`;
}

/** `<root>/<name>/versions/<v>/<file>`, e.g. `registry/flights/versions/3/model.onnx`. */
export function registryFileKey(root: string, name: string, version: number, file: string): string {
  return `${registryVersionKey(root, name, version)}/${file}`;
}

/** The file whose presence makes a version visible (written last). */
export const REGISTRY_METADATA_FILE = 'metadata.json';

/** The model, version and file name a key under `<root>/` names when it is a version's file, else undefined. */
export function registryFileOf(root: string, key: string): { name: string; version: number; file: string } | undefined {
  const m = /^([^/]+)\/versions\/(\d+)\/([^/]+)$/.exec(key.startsWith(`${root}/`) ? key.slice(root.length + 1) : '');
  return m ? { name: m[1] ?? '', version: Number(m[2]), file: m[3] ?? '' } : undefined;
}

/** The model and version a key under `<root>/` names when it is a version's metadata.json, else undefined. */
export function registryMetadataOf(root: string, key: string): { name: string; version: number } | undefined {
  const f = registryFileOf(root, key);
  return f?.file === REGISTRY_METADATA_FILE ? { name: f.name, version: f.version } : undefined;
}

/** `<root>/<name>/aliases.json`: the champion and other aliases, moved with compare-and-swap. */
export function registryAliasesKey(root: string, name: string): string {
  return `${root}/${name}/aliases.json`;
}

/** `<root>/<name>/runs/<hash>.json`: which version a run key registered. */
export function registryRunIndexKey(root: string, name: string, runKey: string): string {
  return `${root}/${name}/runs/${createHash('sha256').update(runKey).digest('hex').slice(0, 32)}.json`;
}

/** `<root>/<name>/claims/`: one `<v>.json` per version number taken. */
export function registryClaimsPrefix(root: string, name: string): string {
  return `${root}/${name}/claims/`;
}

/** `<root>/<name>/claims/<v>.json`: who owns version number `v` (create-if-absent). */
export function registryClaimKey(root: string, name: string, version: number): string {
  return `${registryClaimsPrefix(root, name)}${version}.json`;
}

/** The version number a key under `registryClaimsPrefix` claims, or undefined for anything else. */
export function registryClaimOf(root: string, name: string, key: string): number | undefined {
  const prefix = registryClaimsPrefix(root, name);
  const m = key.startsWith(prefix) ? /^(\d+)\.json$/.exec(key.slice(prefix.length)) : null;
  return m ? Number(m[1]) : undefined;
}
