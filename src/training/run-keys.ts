// Where a training run's objects live in the store: the one place that says it, so no step re-derives a key.
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
