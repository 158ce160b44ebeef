// Logistic-regression baseline (L-BFGS on standardised numerics + one-hot categoricals) that the GBDT must beat.
import { z } from 'zod';
import type { Frame } from '../data/frame';
import { takeRows } from '../data/frame';
import { ModelFeature, ModelInputError, sigmoid } from './gbdt-model';
import { accumulateGradient, buildDesign, fitLayout, lbfgs, loadWeights, margins, sampleIndices, storeWeights } from './linear-design';

export const LogisticOptions = z
  .object({
    /** L2 penalty on the mean log loss (intercept excluded). */
    l2: z.number().min(0).default(1e-4),
    maxIterations: z.number().int().min(1).max(1000).default(100),
    /** Most frequent categories that get their own weight; the rest share the "other" weight. */
    maxCategories: z.number().int().min(1).max(1000).default(32),
    /** Stop when the gradient's max-norm falls below this. */
    tolerance: z.number().positive().default(1e-6),
    /** A baseline needs no more rows than this; larger frames are subsampled (seeded) to keep it fast. */
    maxRows: z.number().int().min(1).default(200_000),
    seed: z.number().int().default(7),
  })
  .strict();
export type LogisticOptions = z.input<typeof LogisticOptions>;

export const LogisticModel = z
  .object({
    kind: z.literal('logistic-binary'),
    features: z.array(ModelFeature),
    intercept: z.number(),
    /** Per numeric feature: z = (x - mean) / std, missing contributes `missingWeight` instead of weight * z. */
    numeric: z.array(z.object({ feature: z.string(), mean: z.number(), std: z.number(), weight: z.number(), missingWeight: z.number() }).strict()),
    /** Per categorical feature: one weight per listed category; NULL, '' and all others share `otherWeight`. */
    categorical: z.array(z.object({ feature: z.string(), categories: z.array(z.string()), weights: z.array(z.number()), otherWeight: z.number() }).strict()),
    iterations: z.number().int(),
    trainLogLoss: z.number(),
  })
  .strict();
export type LogisticModel = z.infer<typeof LogisticModel>;

export function trainLogistic(frame: Frame, options: LogisticOptions = {}): LogisticModel {
  const opts = LogisticOptions.parse(options);
  if (frame.rows < 1) throw new ModelInputError('cannot train on an empty frame');
  const data = frame.rows > opts.maxRows ? takeRows(frame, sampleIndices(frame.rows, opts.maxRows, opts.seed)) : frame;
  const layout = fitLayout(data, opts.maxCategories);
  const design = buildDesign(data, layout);
  const y = data.label;
  const n = data.rows;
  const residual = new Float64Array(n);

  const objective = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    const margin = margins(design, w);
    for (let i = 0; i < n; i++) {
      const s = margin[i];
      const e = Math.exp(-Math.abs(s));
      loss += Math.max(s, 0) + Math.log1p(e) - y[i] * s;
      const p = s >= 0 ? 1 / (1 + e) : e / (1 + e);
      residual[i] = (p - y[i]) / n;
    }
    accumulateGradient(design, residual, grad);
    let penalty = 0;
    for (let k = 1; k < w.length; k++) {
      penalty += w[k] * w[k];
      grad[k] += opts.l2 * w[k];
    }
    return loss / n + 0.5 * opts.l2 * penalty;
  };

  const w0 = new Float64Array(layout.dim);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i];
  const prior = Math.min(Math.max(positives / n, 1e-6), 1 - 1e-6);
  w0[0] = Math.log(prior / (1 - prior));
  const { w, iterations } = lbfgs(objective, w0, opts.maxIterations, opts.tolerance);
  const scratch = new Float64Array(layout.dim);
  const trainLogLoss = objective(w, scratch);

  return {
    kind: 'logistic-binary',
    features: data.features.map((c) => ({ name: c.name, type: c.kind })),
    ...storeWeights(layout, w),
    iterations,
    trainLogLoss,
  };
}

/** P(label = 1) per row. */
export function predictLogistic(model: LogisticModel, frame: Frame): Float64Array {
  const { layout, w } = loadWeights(model);
  const design = buildDesign(frame, layout);
  const out = margins(design, w);
  for (let i = 0; i < out.length; i++) out[i] = sigmoid(out[i]);
  return out;
}
