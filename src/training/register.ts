// What a registry version of a run holds: its files (ONNX, profile with the holdout predictions, trainer model) and metadata.
import { DatasetProfile, PredictionProfile } from '../profile/schema';
import { withScores } from '../profile';
import type { Registry, VersionMetadata } from '../registry/registry';
import type { ArtifactStore } from '../store';
import { runKeys } from '../store/layout';
import { runTask } from './run-task';
import type { RegisterInput } from './types';

/** Registers the run's version (idempotent on the run key); `created` is false when a retry found it already there. */
export async function registerRun(store: ArtifactStore, registry: Registry, input: RegisterInput): Promise<{ meta: VersionMetadata; created: boolean }> {
  const { run } = input;
  const before = await registry.findByRunKey(run.modelName, run.runKey);
  const files: Record<string, Buffer> = {
    'model.onnx': await store.getRequired(input.onnxKey),
    'profile.json': await profileWithScores(store, input.profileKey, runKeys(run.runPrefix).holdoutScores),
    // a model from another trainer has no GBDT JSON: its ONNX graph is the whole model
    ...(input.modelKey !== undefined ? { 'gbdt.json': await store.getRequired(input.modelKey) } : {}),
  };
  const [workflowId, runId] = run.runKey.split('/');
  const meta = await registry.register({
    name: run.modelName,
    runKey: run.runKey,
    files,
    metadata: {
      workflowId,
      runId,
      dataHash: run.contentHash,
      metrics: { ...input.evaluation.metrics, holdoutRows: input.evaluation.holdoutRows },
      spec: run.spec,
      features: run.spec.features.map((f) => ({ name: f.name, type: f.type })),
      extra: {
        gates: input.evaluation.gates,
        parity: input.parity,
        training: input.training,
        reason: input.reason,
        rows: run.rows,
        // what the version predicts, read by serving and the monitors (absent on versions from before tasks: binary)
        ...taskFields(run),
        ...(input.training.trainer ? { trainer: input.training.trainer } : {}),
      },
    },
  });
  return { meta, created: before === undefined };
}

/** profile.json as registered: the training profile plus the holdout scores evaluation wrote (when it did). */
async function profileWithScores(store: ArtifactStore, profileKey: string, scoresKey: string): Promise<Buffer> {
  const raw = await store.getRequired(profileKey);
  const scores = await store.getJson(scoresKey, PredictionProfile);
  if (!scores) return raw;
  return Buffer.from(JSON.stringify(withScores(DatasetProfile.parse(JSON.parse(raw.toString('utf8'))), scores)));
}

function taskFields(run: RegisterInput['run']): { task?: string; classes?: unknown[] } {
  const task = runTask(run);
  if (task.task === 'binary') return {};
  return task.task === 'multiclass' ? { task: task.task, classes: task.classes } : { task: task.task };
}
