// The model card of a registry version: what a person needs to judge it, as one JSON document (rendered by html.ts).
import { z } from 'zod';
import { AnyEarlyStopping } from '../model/gbdt-model';
import { BinaryMetrics } from '../model/metrics';
import { MulticlassMetrics } from '../model/metrics-multiclass';
import { RegressionMetrics } from '../model/metrics-regression';
import { FeatureProfile } from '../profile/schema';
import { GbdtParams } from '../spec/dataset';
import { Curves } from './curves';
import { RegressionCharts } from './task-charts';

const Metrics = BinaryMetrics;
const Importance = z.object({ feature: z.string(), gain: z.number(), splits: z.number() }).strict();

const CardModel = z
  .object({
    name: z.string(),
    version: z.number().int().positive(),
    createdAt: z.string(),
    description: z.string().optional(),
    runKey: z.string(),
    dataHash: z.string().optional(),
    target: z.string(),
    trainRows: z.number().int().min(0),
    holdoutRows: z.number().int().min(0),
    split: z.string(),
  })
  .strict();
const CardFeatures = z.array(z.object({ name: z.string(), type: z.enum(['numeric', 'categorical']), description: z.string().optional(), profile: FeatureProfile.nullable() }).strict());
const CardGates = z
  .object({
    promotion: z.object({ passed: z.boolean(), reasons: z.array(z.string()) }).strict(),
    quality: z
      .object({ success: z.boolean(), total: z.number().int(), passes: z.number().int(), failed: z.array(z.object({ name: z.string(), summary: z.string() }).strict()) })
      .strict()
      .optional(),
    parity: z.object({ rows: z.number().int(), maxAbsDiff: z.number(), ok: z.boolean() }).strict(),
  })
  .strict();
const CardTraining = z
  .object({
    params: GbdtParams,
    rounds: z.number().int(),
    trees: z.number().int(),
    msPerRound: z.number(),
    resumedFromRound: z.number().int(),
    earlyStopping: AnyEarlyStopping.optional(),
    /** Who trained the model when it was not this project's GBDT trainer (absent: the GBDT trainer). */
    trainer: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('python'), entry: z.string(), estimator: z.string(), seconds: z.number(), libraries: z.record(z.string(), z.string()) }).strict(),
        z.object({ kind: z.literal('imported'), source: z.string() }).strict(),
      ])
      .optional(),
  })
  .strict();

/** A binary classifier's card (the shape every card had before regression and multiclass; no `task` field). */
export const BinaryModelCard = z
  .object({
    kind: z.literal('model-card'),
    formatVersion: z.literal(1),
    model: CardModel,
    metrics: z.object({ candidate: Metrics, logistic: Metrics, majority: Metrics, champion: Metrics.extend({ version: z.number().int() }).optional() }).strict(),
    curves: z.object({ candidate: Curves, logistic: Curves, champion: Curves.optional() }).strict(),
    importance: z.array(Importance),
    features: CardFeatures,
    gates: CardGates,
    training: CardTraining,
  })
  .strict();
export type BinaryModelCard = z.infer<typeof BinaryModelCard>;

/** The regression and multiclass metrics a card shows are the evaluation's own (src/model/metrics-*.ts). */
export const CardRegressionMetrics = RegressionMetrics;
export type CardRegressionMetrics = RegressionMetrics;
export const CardMulticlassMetrics = MulticlassMetrics;
export type CardMulticlassMetrics = MulticlassMetrics;

const Named = <T extends z.ZodType>(m: T) => z.object({ name: z.string(), metrics: m }).strict();
const Champion = <T extends z.ZodType>(m: T) => z.object({ version: z.number().int(), metrics: m }).strict();

const taskCard = <T extends 'regression' | 'multiclass', M extends z.ZodType, C extends z.ZodType>(task: T, metrics: M, charts: C) =>
  z
    .object({
      kind: z.literal('model-card'),
      formatVersion: z.literal(1),
      task: z.literal(task),
      model: CardModel,
      metrics: z.object({ candidate: metrics, baselines: z.array(Named(metrics)), champion: Champion(metrics).optional() }).strict(),
      charts,
      importance: z.array(Importance),
      features: CardFeatures,
      gates: CardGates,
      training: CardTraining,
    })
    .strict();

export const RegressionModelCard = taskCard('regression', CardRegressionMetrics, RegressionCharts);
export type RegressionModelCard = z.infer<typeof RegressionModelCard>;
export const MulticlassModelCard = taskCard('multiclass', CardMulticlassMetrics, z.object({}).strict());
export type MulticlassModelCard = z.infer<typeof MulticlassModelCard>;

/** Any version's card: binary (no `task`, as ever), regression or multiclass. */
export const ModelCard = z.union([BinaryModelCard, RegressionModelCard, MulticlassModelCard]);
export type ModelCard = z.infer<typeof ModelCard>;

/** Where the API serves a version's card (relative to the API's base URL). */
export function modelCardPath(name: string, version: number, format: 'html' | 'json' = 'html'): string {
  return `/v1/models/${encodeURIComponent(name)}/versions/${version}/card.${format}`;
}

/** The registry files a card is stored as, beside model.onnx. */
export const CARD_FILES = { json: 'card.json', html: 'card.html' } as const;
