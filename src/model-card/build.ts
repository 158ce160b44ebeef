// Assembles a version's model card from what the pipeline already has, and stores it (JSON + page) beside the model.
import type { GbdtModel } from '../model/gbdt-model';
import { featureImportance } from '../model/gbdt-model';
import type { BinaryMetrics } from '../model/metrics';
import type { DatasetProfile } from '../profile/schema';
import type { Registry } from '../registry/registry';
import type { DatasetSpec } from '../spec/dataset';
import { BinaryModelCard, CARD_FILES, MulticlassModelCard, RegressionModelCard, type ModelCard } from './card';
import type { Curves } from './curves';
import { renderModelCardHtml } from './html';

/** What every card holds, whatever the task. */
interface CardBase {
  name: string;
  version: number;
  createdAt: string;
  runKey: string;
  dataHash?: string;
  spec: DatasetSpec;
  trainRows: number;
  holdoutRows: number;
  promotion: { passed: boolean; reasons: string[] };
  quality?: ModelCard['gates']['quality'];
  parity: ModelCard['gates']['parity'];
  training: Omit<ModelCard['training'], 'params'>;
  /** The trained model: its params and feature importance; null for a model another trainer made (`training.trainer` names it). */
  model: GbdtModel | null;
  profile: DatasetProfile | null;
}

export interface CardInput extends CardBase {
  metrics: { candidate: BinaryMetrics; logistic: BinaryMetrics; majority: BinaryMetrics; champion?: BinaryMetrics & { version: number } };
  curves: BinaryModelCard['curves'] | { candidate: Curves; logistic: Curves; champion?: Curves };
}

/** A regression or multiclass card's input: metrics per model on the holdout, and the task's charts. */
export type TaskCardInput = CardBase &
  (
    | { task: 'regression'; metrics: RegressionModelCard['metrics']; charts: RegressionModelCard['charts'] }
    | { task: 'multiclass'; metrics: MulticlassModelCard['metrics']; charts?: MulticlassModelCard['charts'] }
  );

function describeTarget(spec: DatasetSpec): string {
  const p = spec.target.positive;
  if (p) return `${spec.target.column} ${p.op} ${JSON.stringify(p.value)}`;
  return `${spec.target.column} (${spec.target.task})`;
}

function describeSplit(spec: DatasetSpec): string {
  return spec.split.kind === 'time' ? `time split: holdout from ${spec.split.holdoutFrom} on ${spec.split.column}` : `random split: ${spec.split.holdout * 100}% holdout, seed ${spec.split.seed}`;
}

function common(input: CardBase) {
  const profiles = new Map((input.profile?.features ?? []).map((p) => [p.name, p]));
  return {
    kind: 'model-card' as const,
    formatVersion: 1 as const,
    model: {
      name: input.name,
      version: input.version,
      createdAt: input.createdAt,
      ...(input.spec.description ? { description: input.spec.description } : {}),
      runKey: input.runKey,
      ...(input.dataHash ? { dataHash: input.dataHash } : {}),
      target: describeTarget(input.spec),
      trainRows: input.trainRows,
      holdoutRows: input.holdoutRows,
      split: describeSplit(input.spec),
    },
    // importance comes from the GBDT's trees; an ONNX graph from elsewhere has none this code can read
    importance: input.model ? featureImportance(input.model) : [],
    features: input.spec.features.map((f) => ({
      name: f.name,
      type: f.type,
      ...(f.description ? { description: f.description } : {}),
      profile: profiles.get(f.name) ?? null,
    })),
    gates: { promotion: input.promotion, ...(input.quality ? { quality: input.quality } : {}), parity: input.parity },
    training: { params: input.model?.params ?? input.spec.model, ...input.training },
  };
}

/** A binary classifier's card (unchanged shape). */
export function buildModelCard(input: CardInput): BinaryModelCard {
  return BinaryModelCard.parse({ ...common(input), metrics: input.metrics, curves: input.curves });
}

/** A regression or multiclass model's card. */
export function buildTaskCard(input: TaskCardInput): ModelCard {
  const base = common(input);
  return input.task === 'regression'
    ? RegressionModelCard.parse({ ...base, task: 'regression', metrics: input.metrics, charts: input.charts })
    : MulticlassModelCard.parse({ ...base, task: 'multiclass', metrics: input.metrics, charts: input.charts ?? {} });
}

/** Writes card.json and card.html into the version's folder (each atomically; rewriting gives the same bytes). */
export async function storeModelCard(registry: Registry, card: ModelCard): Promise<void> {
  await registry.attach(card.model.name, card.model.version, CARD_FILES.json, `${JSON.stringify(card)}\n`);
  await registry.attach(card.model.name, card.model.version, CARD_FILES.html, renderModelCardHtml(card));
}
