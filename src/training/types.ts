// Plain data that passes between trainingPipeline and its activities (it is stored in workflow history, so keep it small).
import type { GbdtModel } from '../model/gbdt-model';
import type { BinaryMetrics } from '../model/metrics';
import type { Curves } from '../model-card/curves';
import type { MulticlassMetrics } from '../model/metrics-multiclass';
import type { RegressionMetrics } from '../model/metrics-regression';
import type { RegressionCharts } from '../model-card/task-charts';
import type { DatasetSpec } from '../spec/dataset';
import type { ClassValue, TaskKind } from '../task/task';

/** One pipeline run's working set: the store keys of its objects and what the spec says (no machine paths). */
export interface RunRef {
  /** workflowId/runId: the idempotency key of every write this run makes. */
  runKey: string;
  /** Store prefix of this run's objects, e.g. `runs/<workflowId>__<runId>`. */
  runPrefix: string;
  /** How the spec was given: the path or `store:` key as given, or "inline spec". */
  specSource: string;
  spec: DatasetSpec;
  modelName: string;
  /** Store key of the Parquet snapshot. */
  snapshotKey: string;
  rows: number;
  contentHash: string;
  expectationCount: number;
  rounds: number;
  /** What the model predicts (from the snapshot manifest); absent in histories recorded before tasks: binary. */
  task?: TaskKind;
  /** Multiclass: the classes in label order, as the snapshot manifest names them. */
  classes?: ClassValue[];
}

export interface FailedExpectation {
  name: string;
  column: string | null;
  /** One line a person can read: observed value, unexpected share, first failing rows. */
  summary: string;
  observedValue: unknown;
  unexpectedPercent: number | null;
  failingRows: { row: number; value: unknown }[];
}

export interface QualityOutcome {
  success: boolean;
  total: number;
  passes: number;
  failed: FailedExpectation[];
  /** Store key of the full quality report (JSON). */
  reportKey: string;
}

/** Who made a model that this project's GBDT trainer did not: a user's Python function, or an ONNX file imported as is. */
export type TrainerInfo = { kind: 'python'; entry: string; estimator: string; seconds: number; libraries: Record<string, string> } | { kind: 'imported'; source: string };

export interface TrainingOutcome {
  /** Store key of the trained GBDT (JSON); the logistic baseline is beside it. Absent when `trainer` made an ONNX model. */
  modelKey?: string;
  /** Set when the model is not this project's GBDT (absent: the GBDT trainer). */
  trainer?: TrainerInfo;
  rounds: number;
  trainRows: number;
  holdoutRows: number;
  msPerRound: number;
  rowsPerSecond: number;
  /** The round the last attempt resumed from (0 when it started fresh). */
  resumedFromRound: number;
  attempt: number;
  /** Trees kept (== rounds unless early stopping cut the model at its best round). */
  trees?: number;
  /** Set when model.earlyStoppingRounds is: the round kept, rounds run, and the validation slice's loss there. */
  earlyStopping?: GbdtModel['earlyStopping'];
}

export type ModelMetrics = BinaryMetrics;

/** A binary classifier's evaluation (the shape every run had before other tasks; no `task` field). */
export interface BinaryEvaluation {
  task?: undefined;
  holdoutRows: number;
  metrics: {
    candidate: ModelMetrics;
    logistic: ModelMetrics;
    majority: ModelMetrics;
    champion?: ModelMetrics & { version: number };
    /** Candidate and champion on the newest labeled live rows (a quality-triggered retrain passes them). */
    recent?: { rows: number; candidate: ModelMetrics; champion?: ModelMetrics & { version: number } };
  };
  gates: { passed: boolean; reasons: string[] };
  /** The champion when evaluation ran (null: none); promotion happens only if it is still the champion. */
  championVersion?: number | null;
  /** ROC and PR curves (about 100 points each) for the model card. Absent in histories recorded before cards. */
  curves?: { candidate: Curves; logistic: Curves; champion?: Curves };
}

/** Metrics of one model on the holdout, per task. */
export type TaskMetrics<T extends 'regression' | 'multiclass'> = T extends 'regression' ? RegressionMetrics : MulticlassMetrics;

/** A regression or multiclass evaluation: the candidate beside the task's baselines and the champion on the same holdout. */
export interface TaskEvaluation<T extends 'regression' | 'multiclass' = 'regression' | 'multiclass'> {
  task: T;
  holdoutRows: number;
  metrics: {
    candidate: TaskMetrics<T>;
    /** The prior (class shares / mean) and the linear model (multinomial logistic / ridge), fitted on the training rows. */
    baselines: { name: string; metrics: TaskMetrics<T> }[];
    champion?: { version: number; metrics: TaskMetrics<T> };
    /** Candidate and champion on the newest labeled live rows (a quality-triggered retrain passes them). */
    recent?: { rows: number; candidate: TaskMetrics<T>; champion?: { version: number; metrics: TaskMetrics<T> } };
  };
  gates: { passed: boolean; reasons: string[] };
  championVersion?: number | null;
  /** Regression: the residual histogram for the model card. */
  charts?: RegressionCharts;
}

export type EvaluationOutcome = BinaryEvaluation | TaskEvaluation<'regression'> | TaskEvaluation<'multiclass'>;

/** The Python worker's `trainPython` activity (python/ml_worker/train.py): store keys in, the ONNX model's key out. */
export interface TrainPythonInput {
  snapshotKey: string;
  spec: DatasetSpec;
  runPrefix: string;
}

export interface TrainPythonResult {
  onnxKey: string;
  trainer: string;
  estimator: string;
  trainRows: number;
  holdoutRows: number;
  seconds: number;
  parity: ParityOutcome;
  attempt: number;
  libraries: Record<string, string>;
}

/** The Python activities, typed for proxyActivities (they run on the Python worker's task queue, not in this process). */
export interface PythonActivities {
  trainPython(input: TrainPythonInput): Promise<TrainPythonResult>;
}

export interface ParityOutcome {
  rows: number;
  maxAbsDiff: number;
  ok: boolean;
}

export interface TrainingStatus {
  stage: 'ingest' | 'validate' | 'rejected' | 'profile' | 'train' | 'evaluate' | 'export' | 'register' | 'promote' | 'promoted' | 'registered';
  detail: string;
  progress: number;
  model?: string;
  version?: number;
  quality?: { success: boolean; failed: string[]; reportKey: string };
  training?: TrainingOutcome;
  evaluation?: EvaluationOutcome;
}

/**
 * What trainingPipeline returns. The metrics' shape follows the task: `E` defaults to binary (what every caller read
 * before other tasks); a caller of a regression or multiclass run names it, e.g. `TrainingResult<TaskEvaluation<'regression'>>`.
 */
export interface TrainingResult<E extends EvaluationOutcome = BinaryEvaluation> {
  /** The task (absent for binary, as in results recorded before tasks). */
  task?: E['task'];
  /** Multiclass: the classes in the order the model outputs them. */
  classes?: ClassValue[];
  model: string;
  version: number;
  promoted: boolean;
  promotionReason: string;
  rows: number;
  dataHash: string;
  metrics: E['metrics'];
  gates: E['gates'];
  parity: ParityOutcome;
  training: TrainingOutcome;
  /** Store key of the quality report. */
  qualityReport: string;
  /** The version's model card page, served by the API (absent for runs recorded before cards). */
  modelCard?: string;
}

/** What registerModel gets: the run, the keys of what earlier steps wrote, and their outcomes. */
export interface RegisterInput {
  run: RunRef;
  /** The GBDT's JSON model; absent for a model another trainer made (then `training.trainer` says who). */
  modelKey?: string;
  onnxKey: string;
  profileKey: string;
  evaluation: EvaluationOutcome;
  parity: ParityOutcome;
  training: TrainingOutcome;
  reason: string;
  /** The data-quality gate's outcome, for the model card (absent in histories recorded before cards). */
  quality?: QualityOutcome;
}
