// trainingPipeline: dataset spec in, promoted (or explained-why-not) ONNX model out, with the data gate before training.
import { ApplicationFailure, defineQuery, defineSignal, patched, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EvaluationOutcome, PythonActivities, TrainingOutcome, TrainingResult, TrainingStatus, TrainPythonResult } from '../activities/training-types';
import { PYTHON_FAILURE_TYPES, PYTHON_TASK_QUEUE, PYTHON_TRAINER_PATCH, pythonEntry } from '../src/temporal/python-trainer';
import { ModelName, ModelVersion, PipelineStage } from '../src/temporal/search-attributes';
import { raiseAlert } from './alerting';

export interface TrainingPipelineInput {
  /**
   * The dataset spec: a path (relative to the project root, or absolute) on the workers, `store:<key>` of a spec in
   * the artifact store, or the spec itself as JSON. Its `source.path` may also be `store:<key>`.
   */
  spec: string | Record<string, unknown>;
  /** Set false to register without moving the champion alias. */
  promote?: boolean;
  /** Why this run was started (shown in the registry), e.g. "drift on 2026-11-26". */
  reason?: string;
  /**
   * Store key of a parquet of the newest labeled live rows (features and __label), written by a quality-triggered
   * retrain: the candidate must also not fall behind the champion on them, not only on the old holdout.
   */
  recentRowsKey?: string;
  /** The Python training worker's task queue, for specs whose `model.trainer` is a Python entry point. */
  pythonTaskQueue?: string;
}

export const statusQuery = defineQuery<TrainingStatus>('status');
/** Sent by the train activity at each checkpoint, so the Web UI shows "round i of N". */
export const trainingProgressSignal = defineSignal<[{ round: number; of: number; attempt: number }]>('trainingProgress');

// Data steps read and scan files: short, few attempts, bad input is non-retryable by type. They heartbeat while they
// work, so an attempt whose worker is gone is retried within two minutes, not after the whole start-to-close timeout.
const data = (summary: string, minutes: number) =>
  proxyActivities<Activities>({
    summary,
    startToCloseTimeout: `${minutes} minutes`,
    heartbeatTimeout: '2 minutes',
    retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2 },
  });

// Training heartbeats every round; a lost worker is noticed within the heartbeat timeout and the retry resumes from the checkpoint.
const training = proxyActivities<Activities>({
  summary: 'train gradient-boosted trees',
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '20 seconds',
  retry: { maximumAttempts: 5, initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

// A user's Python trainer on the Python worker: it heartbeats every 2 s, so a SIGKILLed worker's attempt is retried by
// another within the heartbeat timeout. No schedule-to-start timeout: with no Python worker the run waits on its queue.
const pythonTraining = (taskQueue: string, entry: string) =>
  proxyActivities<PythonActivities>({
    taskQueue,
    summary: `train with the Python trainer ${entry}`,
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '15 seconds',
    retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2, nonRetryableErrorTypes: [...PYTHON_FAILURE_TYPES] },
  });

function pythonOutcome(t: TrainPythonResult): TrainingOutcome {
  return {
    rounds: 0,
    trees: 0,
    trainRows: t.trainRows,
    holdoutRows: t.holdoutRows,
    msPerRound: 0,
    rowsPerSecond: t.seconds > 0 ? t.trainRows / t.seconds : 0,
    resumedFromRound: 0,
    attempt: t.attempt,
    trainer: { kind: 'python', entry: t.trainer, estimator: t.estimator, seconds: t.seconds, libraries: t.libraries },
  };
}

export async function trainingPipeline(input: TrainingPipelineInput): Promise<TrainingResult<EvaluationOutcome>> {
  const specOk = input && ((typeof input.spec === 'string' && input.spec.length > 0) || (typeof input.spec === 'object' && input.spec !== null && !Array.isArray(input.spec)));
  if (!specOk) {
    throw ApplicationFailure.nonRetryable(
      'trainingPipeline needs {"spec": "<path to a dataset spec>" | "store:<key>" | {...the spec...}}, e.g. {"spec":"datasets/flights.json"}',
      'InvalidWorkflowInput',
    );
  }
  const specLabel = typeof input.spec === 'string' ? input.spec : 'inline spec';
  const { workflowId, runId } = workflowInfo();
  const status: TrainingStatus = { stage: 'ingest', detail: 'starting', progress: 0 };
  setHandler(statusQuery, () => status);
  const stage = (name: TrainingStatus['stage'], detail: string, progress: number) => {
    status.stage = name;
    status.detail = detail;
    status.progress = progress;
    setCurrentDetails(`**${name}**: ${detail}`);
    upsertSearchAttributes([{ key: PipelineStage, value: name }]);
  };

  stage('ingest', `reading ${specLabel}`, 0.02);
  const run = await data('ingest: snapshot the source', 30).ingest({ spec: input.spec, workflowId, runId });
  status.model = run.modelName;
  upsertSearchAttributes([{ key: ModelName, value: run.modelName }]);

  stage('validate', `${run.expectationCount} expectations over ${run.rows} rows`, 0.1);
  const quality = await data('validateData: the data-quality gate', 30).validateData({ run });
  status.quality = { success: quality.success, failed: quality.failed.map((f) => f.name), reportKey: quality.reportKey };
  if (!quality.success) {
    stage('rejected', `data-quality gate failed: ${quality.failed.map((f) => f.name).join(', ')}`, 1);
    await raiseAlert({
      key: `gate:${run.modelName}:${specLabel}`,
      severity: 'error',
      title: `Data-quality gate failed for ${run.modelName}`,
      message: `${quality.failed.length} of ${quality.total} expectations failed on ${specLabel}; training did not start.`,
      details: { kind: 'gate', failedExpectations: quality.failed, total: quality.total },
      reportLink: quality.reportKey,
    });
    throw ApplicationFailure.create({
      type: 'DataQualityGateFailed',
      nonRetryable: true,
      message: `data-quality gate failed (${quality.failed.length}/${quality.total}): ${quality.failed.map((f) => `${f.name} (${f.summary})`).join('; ')}. Report: ${quality.reportKey}`,
      details: [quality],
    });
  }

  stage('profile', 'profiling features', 0.15);
  const profile = await data('profile: the training profile', 30).profileData({ run });

  setHandler(trainingProgressSignal, ({ round, of, attempt }) => {
    if (status.stage !== 'train') return;
    stage('train', `round ${round} of ${of}${attempt > 1 ? ` (attempt ${attempt}, resumed from checkpoint)` : ''}`, 0.2 + 0.6 * (round / of));
  });
  // The one seam for other trainers: a Python entry point trains (and exports, and checks parity) on its own queue;
  // every later step is the same code, evaluating the ONNX graph instead of the GBDT's JSON model.
  const entry = pythonEntry(run.spec.model);
  let model: TrainingOutcome;
  let exported: { onnxKey: string; parity: TrainingResult['parity'] } | undefined;
  if (entry !== undefined && patched(PYTHON_TRAINER_PATCH)) {
    stage('train', `Python trainer ${entry}`, 0.2);
    const trained = await pythonTraining(input.pythonTaskQueue ?? PYTHON_TASK_QUEUE, entry).trainPython({ snapshotKey: run.snapshotKey, spec: run.spec, runPrefix: run.runPrefix });
    model = pythonOutcome(trained);
    exported = { onnxKey: trained.onnxKey, parity: trained.parity };
  } else {
    stage('train', `round 0 of ${run.rounds}`, 0.2);
    model = await training.trainModel({ run });
  }
  status.training = model;

  stage('evaluate', 'holdout metrics, baselines and champion', 0.8);
  const evaluation = await data('evaluate: holdout, baselines, champion, gates', 30).evaluateModel({
    run,
    ...(model.modelKey !== undefined ? { modelKey: model.modelKey } : { onnxKey: exported?.onnxKey }),
    ...(input.recentRowsKey ? { recentRowsKey: input.recentRowsKey } : {}),
  });
  status.evaluation = evaluation;

  if (exported === undefined) {
    stage('export', 'ONNX export and parity check', 0.88);
    exported = await data('exportOnnx: self-contained model + parity check', 15).exportModel({ run, modelKey: model.modelKey ?? '' });
  }

  stage('register', 'registering the version', 0.94);
  const registered = await data('register: new registry version', 5).registerModel({
    run,
    ...(model.modelKey !== undefined ? { modelKey: model.modelKey } : {}),
    onnxKey: exported.onnxKey,
    profileKey: profile.profileKey,
    evaluation,
    parity: exported.parity,
    training: model,
    reason: input.reason ?? 'trainingPipeline',
    quality,
  });
  status.version = registered.version;
  upsertSearchAttributes([{ key: ModelVersion, value: registered.version }]);

  let promoted = false;
  let promotionReason: string;
  if (input.promote === false) {
    promotionReason = 'promotion not requested (promote: false)';
  } else if (!evaluation.gates.passed) {
    promotionReason = `gates not passed: ${evaluation.gates.reasons.join('; ')}`;
  } else {
    stage('promote', `promoting version ${registered.version}`, 0.97);
    const result = await data('promote: move the champion alias', 5).promoteModel({
      name: run.modelName,
      version: registered.version,
      reason: evaluation.gates.reasons.join('; ') || 'gates passed',
      expectedChampion: evaluation.championVersion,
    });
    promoted = result.promoted;
    promotionReason = result.reason;
  }
  stage(promoted ? 'promoted' : 'registered', registered.modelCard ? `${promotionReason} · [model card](${registered.modelCard})` : promotionReason, 1);

  return {
    ...(run.task && run.task !== 'binary' ? { task: run.task } : {}),
    ...(run.classes ? { classes: run.classes } : {}),
    model: run.modelName,
    version: registered.version,
    promoted,
    promotionReason,
    rows: run.rows,
    dataHash: run.contentHash,
    metrics: evaluation.metrics,
    gates: evaluation.gates,
    parity: exported.parity,
    training: model,
    qualityReport: quality.reportKey,
    ...(registered.modelCard ? { modelCard: registered.modelCard } : {}),
  };
}
