// importModel: an ONNX model trained anywhere, plus a dataset spec for its data, through the same evaluation, gates,
// profile, registry and promotion as a model trainingPipeline trains.
import { ApplicationFailure, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EvaluationOutcome, TrainingResult } from '../activities/training-types';
import { ModelName, ModelVersion, PipelineStage } from '../src/temporal/search-attributes';

export interface ImportModelInput {
  /** The dataset spec, as trainingPipeline takes it: a path on the workers, `store:<key>`, or the spec as JSON. */
  spec: string | Record<string, unknown>;
  /** Store key of the ONNX file (`cli import-model` uploads a local file and passes its key). */
  onnxKey: string;
  /** Move the champion alias when the gates pass (default false: register only). */
  promote?: boolean;
  reason?: string;
}

const step = (summary: string, minutes: number) =>
  proxyActivities<Activities>({
    summary,
    startToCloseTimeout: `${minutes} minutes`,
    heartbeatTimeout: '2 minutes',
    retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2, nonRetryableErrorTypes: ['OnnxInputsMismatch', 'OnnxModelInvalid', 'InvalidWorkflowInput'] },
  });

export async function importModel(input: ImportModelInput): Promise<TrainingResult<EvaluationOutcome>> {
  const specOk = input && ((typeof input.spec === 'string' && input.spec.length > 0) || (typeof input.spec === 'object' && input.spec !== null && !Array.isArray(input.spec)));
  if (!specOk || typeof input.onnxKey !== 'string' || input.onnxKey.length === 0) {
    throw ApplicationFailure.nonRetryable('importModel needs {"spec": "<spec path>" | "store:<key>" | {...}, "onnxKey": "<store key of the .onnx>"}', 'InvalidWorkflowInput');
  }
  const { workflowId, runId } = workflowInfo();
  const stage = (name: string, detail: string) => {
    setCurrentDetails(`**${name}**: ${detail}`);
    upsertSearchAttributes([{ key: PipelineStage, value: name }]);
  };

  stage('ingest', 'snapshot the data the model is judged on');
  const run = await step('ingest: snapshot the source', 30).ingest({ spec: input.spec, workflowId, runId });
  upsertSearchAttributes([{ key: ModelName, value: run.modelName }]);

  stage('import', `checking ${input.onnxKey} against the spec's features`);
  const imported = await step('importOnnx: check the inputs against the spec', 5).importOnnx({ run, onnxKey: input.onnxKey });

  stage('profile', 'profiling features');
  const profile = await step('profile: the training profile', 30).profileData({ run });

  stage('evaluate', 'holdout metrics, baselines and champion');
  const evaluation = await step('evaluate: holdout, baselines, champion, gates', 30).evaluateModel({ run, onnxKey: imported.onnxKey });

  const training = {
    rounds: 0,
    trees: 0,
    trainRows: 0,
    holdoutRows: evaluation.holdoutRows,
    msPerRound: 0,
    rowsPerSecond: 0,
    resumedFromRound: 0,
    attempt: 1,
    trainer: { kind: 'imported' as const, source: input.onnxKey },
  };
  // no trainer to compare the graph with: parity does not apply (0 rows compared)
  const parity = { rows: 0, maxAbsDiff: 0, ok: true };
  stage('register', 'registering the version');
  const registered = await step('register: new registry version', 5).registerModel({
    run,
    onnxKey: imported.onnxKey,
    profileKey: profile.profileKey,
    evaluation,
    parity,
    training,
    reason: input.reason ?? `imported from ${input.onnxKey}`,
  });
  upsertSearchAttributes([{ key: ModelVersion, value: registered.version }]);

  let promoted = false;
  let promotionReason: string;
  if (input.promote !== true) promotionReason = 'promotion not requested (promote: true promotes when the gates pass)';
  else if (!evaluation.gates.passed) promotionReason = `gates not passed: ${evaluation.gates.reasons.join('; ')}`;
  else {
    stage('promote', `promoting version ${registered.version}`);
    const result = await step('promote: move the champion alias', 5).promoteModel({
      name: run.modelName,
      version: registered.version,
      reason: evaluation.gates.reasons.join('; ') || 'gates passed',
      expectedChampion: evaluation.championVersion,
    });
    promoted = result.promoted;
    promotionReason = result.reason;
  }
  stage(promoted ? 'promoted' : 'registered', promotionReason);
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
    parity,
    training,
    qualityReport: '',
    ...(registered.modelCard ? { modelCard: registered.modelCard } : {}),
  };
}
