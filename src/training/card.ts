// The model card of a registered version, assembled from the run's objects and the pipeline's outcomes.
import { GbdtModel } from '../model/gbdt';
import { buildModelCard, buildTaskCard, storeModelCard, type ModelCard } from '../model-card';
import { DatasetProfile } from '../profile/schema';
import type { Registry } from '../registry/registry';
import type { ArtifactStore } from '../store';
import type { RegisterInput } from './types';

/** Builds the card of `version` and stores it beside the model (card.json + card.html). */
export async function writeRunCard(store: ArtifactStore, registry: Registry, input: RegisterInput, version: number, createdAt: string): Promise<ModelCard> {
  const { run, evaluation } = input;
  const model = input.modelKey !== undefined ? await store.getJsonRequired(input.modelKey, GbdtModel) : null;
  const profile = await store.getJson(input.profileKey, DatasetProfile).catch(() => undefined);
  const base = {
    name: run.modelName,
    version,
    createdAt,
    runKey: run.runKey,
    dataHash: run.contentHash,
    spec: run.spec,
    trainRows: input.training.trainRows,
    holdoutRows: evaluation.holdoutRows,
    promotion: evaluation.gates,
    ...(input.quality
      ? { quality: { success: input.quality.success, total: input.quality.total, passes: input.quality.passes, failed: input.quality.failed.map((f) => ({ name: f.name, summary: f.summary })) } }
      : {}),
    parity: input.parity,
    training: {
      rounds: input.training.rounds,
      trees: input.training.trees ?? model?.trees.length ?? 0,
      ...(input.training.trainer ? { trainer: input.training.trainer } : {}),
      msPerRound: input.training.msPerRound,
      resumedFromRound: input.training.resumedFromRound,
      ...(input.training.earlyStopping ? { earlyStopping: input.training.earlyStopping } : {}),
    },
    model,
    profile: profile ?? null,
  };
  const card =
    evaluation.task === undefined
      ? buildModelCard({ ...base, metrics: evaluation.metrics, curves: evaluation.curves ?? { candidate: { roc: [], pr: [] }, logistic: { roc: [], pr: [] } } })
      : evaluation.task === 'regression'
        ? buildTaskCard({ ...base, task: 'regression', metrics: cardMetrics(evaluation.metrics), charts: evaluation.charts ?? { residuals: [] } })
        : buildTaskCard({ ...base, task: 'multiclass', metrics: cardMetrics(evaluation.metrics) });
  await storeModelCard(registry, card);
  return card;
}

/** The card shows the holdout figures (live-row figures of a quality retrain are in the gate reasons). */
function cardMetrics<M extends { candidate: unknown; baselines: unknown; champion?: unknown }>(m: M): Pick<M, 'candidate' | 'baselines' | 'champion'> {
  return { candidate: m.candidate, baselines: m.baselines, ...(m.champion ? { champion: m.champion } : {}) };
}
