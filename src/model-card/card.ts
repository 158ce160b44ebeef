// The model card of a registry version: what a person needs to judge it, as one JSON document (rendered by html.ts).
import { z } from 'zod';
import { BinaryMetrics } from '../model/metrics';
import { FeatureProfile } from '../profile/schema';
import { GbdtParams } from '../spec/dataset';
import { Curves } from './curves';

const Metrics = BinaryMetrics;
const Importance = z.object({ feature: z.string(), gain: z.number(), splits: z.number() }).strict();

export const ModelCard = z
  .object({
    kind: z.literal('model-card'),
    formatVersion: z.literal(1),
    model: z
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
      .strict(),
    metrics: z
      .object({ candidate: Metrics, logistic: Metrics, majority: Metrics, champion: Metrics.extend({ version: z.number().int() }).optional() })
      .strict(),
    curves: z.object({ candidate: Curves, logistic: Curves, champion: Curves.optional() }).strict(),
    importance: z.array(Importance),
    features: z.array(
      z
        .object({ name: z.string(), type: z.enum(['numeric', 'categorical']), description: z.string().optional(), profile: FeatureProfile.nullable() })
        .strict(),
    ),
    gates: z
      .object({
        promotion: z.object({ passed: z.boolean(), reasons: z.array(z.string()) }).strict(),
        quality: z
          .object({ success: z.boolean(), total: z.number().int(), passes: z.number().int(), failed: z.array(z.object({ name: z.string(), summary: z.string() }).strict()) })
          .strict()
          .optional(),
        parity: z.object({ rows: z.number().int(), maxAbsDiff: z.number(), ok: z.boolean() }).strict(),
      })
      .strict(),
    training: z
      .object({
        params: GbdtParams,
        rounds: z.number().int(),
        trees: z.number().int(),
        msPerRound: z.number(),
        resumedFromRound: z.number().int(),
        earlyStopping: z.object({ bestRound: z.number().int(), roundsRun: z.number().int(), validationRows: z.number().int(), bestValidationLogLoss: z.number() }).strict().optional(),
        /** Who trained the model when it was not this project's GBDT trainer (absent: the GBDT trainer). */
        trainer: z
          .discriminatedUnion('kind', [
            z.object({ kind: z.literal('python'), entry: z.string(), estimator: z.string(), seconds: z.number(), libraries: z.record(z.string(), z.string()) }).strict(),
            z.object({ kind: z.literal('imported'), source: z.string() }).strict(),
          ])
          .optional(),
      })
      .strict(),
  })
  .strict();
export type ModelCard = z.infer<typeof ModelCard>;

/** Where the API serves a version's card (relative to the API's base URL). */
export function modelCardPath(name: string, version: number, format: 'html' | 'json' = 'html'): string {
  return `/v1/models/${encodeURIComponent(name)}/versions/${version}/card.${format}`;
}

/** The registry files a card is stored as, beside model.onnx. */
export const CARD_FILES = { json: 'card.json', html: 'card.html' } as const;
