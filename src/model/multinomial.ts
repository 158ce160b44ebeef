// Multinomial logistic-regression baseline (softmax, L-BFGS on the logistic baseline's design) that a multiclass GBDT must beat.
import { z } from 'zod';
import type { Frame } from '../data/frame';
import { takeRows } from '../data/frame';
import { ClassValue } from '../task/task';
import { ModelFeature, ModelInputError } from './gbdt-model';
import { accumulateGradient, buildDesign, fitLayout, layoutOf, lbfgs, margins, sampleIndices, type Design, type Layout } from './linear-design';

export const MultinomialOptions = z
  .object({
    /** L2 penalty on the mean log loss (intercepts excluded). */
    l2: z.number().min(0).default(1e-4),
    maxIterations: z.number().int().min(1).max(1000).default(100),
    maxCategories: z.number().int().min(1).max(1000).default(32),
    /** Stop when the gradient's max-norm falls below this. */
    tolerance: z.number().positive().default(1e-6),
    /** Each evaluation costs rows x classes; larger frames are subsampled (seeded) to this many rows. */
    maxRows: z.number().int().min(1).default(100_000),
    seed: z.number().int().default(7),
  })
  .strict();
export type MultinomialOptions = z.input<typeof MultinomialOptions>;

export const MultinomialModel = z
  .object({
    kind: z.literal('logistic-multiclass'),
    features: z.array(ModelFeature),
    classes: z.array(ClassValue).min(2),
    /** One per class. */
    intercepts: z.array(z.number()),
    /** Per numeric feature, one weight (of z = (x - mean) / std) and one missing weight per class. */
    numeric: z.array(z.object({ feature: z.string(), mean: z.number(), std: z.number(), weights: z.array(z.number()), missingWeights: z.array(z.number()) }).strict()),
    /** Per categorical feature: weights[category][class]; NULL, '' and all others share otherWeights[class]. */
    categorical: z.array(z.object({ feature: z.string(), categories: z.array(z.string()), weights: z.array(z.array(z.number())), otherWeights: z.array(z.number()) }).strict()),
    iterations: z.number().int(),
    trainLogLoss: z.number(),
  })
  .strict();
export type MultinomialModel = z.infer<typeof MultinomialModel>;

/** Fits P(class | x) by softmax regression on `frame.label` (class indices into `classes`). */
export function fitMultinomial(frame: Frame, classes: readonly ClassValue[], options: MultinomialOptions = {}): MultinomialModel {
  const opts = MultinomialOptions.parse(options);
  const k = classes.length;
  if (k < 2) throw new ModelInputError('a multiclass baseline needs at least 2 classes');
  if (frame.rows < 1) throw new ModelInputError('cannot train on an empty frame');
  for (let i = 0; i < frame.rows; i++) if (frame.label[i] >= k) throw new ModelInputError(`row ${i} has class index ${frame.label[i]}, but there are ${k} classes`);
  const data = frame.rows > opts.maxRows ? takeRows(frame, sampleIndices(frame.rows, opts.maxRows, opts.seed)) : frame;
  const layout = fitLayout(data, opts.maxCategories);
  const design = buildDesign(data, layout);
  const dim = layout.dim;
  const n = data.rows;
  const y = data.label;
  const residual = Array.from({ length: k }, () => new Float64Array(n));
  const expScratch = new Float64Array(k);

  const objective = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    const scores = classScores(design, w, k, dim);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, scores[c][i]);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += expScratch[c] = Math.exp(scores[c][i] - max);
      loss += max + Math.log(sum) - scores[y[i]][i];
      for (let c = 0; c < k; c++) residual[c][i] = (expScratch[c] / sum - (y[i] === c ? 1 : 0)) / n;
    }
    let penalty = 0;
    for (let c = 0; c < k; c++) {
      const g = grad.subarray(c * dim, (c + 1) * dim);
      accumulateGradient(design, residual[c], g);
      for (let j = 1; j < dim; j++) {
        const v = w[c * dim + j];
        penalty += v * v;
        g[j] += opts.l2 * v;
      }
    }
    return loss / n + 0.5 * opts.l2 * penalty;
  };

  const w0 = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[y[i]]++;
  for (let c = 0; c < k; c++) w0[c * dim] = Math.log(Math.max(counts[c] / n, 1e-6));
  const { w, iterations } = lbfgs(objective, w0, opts.maxIterations, opts.tolerance);
  const trainLogLoss = objective(w, new Float64Array(k * dim));
  const nNum = layout.numeric.length;
  const perClass = (index: number) => Array.from({ length: k }, (_, c) => w[c * dim + index]);
  return {
    kind: 'logistic-multiclass',
    features: data.features.map((col) => ({ name: col.name, type: col.kind })),
    classes: [...classes],
    intercepts: perClass(0),
    numeric: layout.numeric.map((f, j) => ({ ...f, weights: perClass(1 + j), missingWeights: perClass(1 + nNum + j) })),
    categorical: layout.categorical.map((cat) => ({
      feature: cat.feature,
      categories: cat.categories,
      weights: cat.categories.map((_, v) => perClass(cat.first + v)),
      otherWeights: perClass(cat.first + cat.categories.length),
    })),
    iterations,
    trainLogLoss,
  };
}

/** Row-major class probabilities: `classes.length` numbers a row, summing to 1. */
export function predictMultinomial(model: MultinomialModel, frame: Frame): Float64Array {
  const layout: Layout = layoutOf(model);
  const k = model.classes.length;
  const dim = layout.dim;
  const w = new Float64Array(k * dim);
  const nNum = model.numeric.length;
  for (let c = 0; c < k; c++) {
    const o = c * dim;
    w[o] = model.intercepts[c];
    model.numeric.forEach((f, j) => {
      w[o + 1 + j] = f.weights[c];
      w[o + 1 + nNum + j] = f.missingWeights[c];
    });
    model.categorical.forEach((cat, i) => {
      const first = layout.categorical[i].first;
      cat.weights.forEach((ws, v) => (w[o + first + v] = ws[c]));
      w[o + first + cat.categories.length] = cat.otherWeights[c];
    });
  }
  const scores = classScores(buildDesign(frame, layout), w, k, dim);
  const out = new Float64Array(frame.rows * k);
  for (let i = 0; i < frame.rows; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, scores[c][i]);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[i * k + c] = Math.exp(scores[c][i] - max);
    for (let c = 0; c < k; c++) out[i * k + c] /= sum;
  }
  return out;
}

/** The linear score of every class for every row: scores[class][row]. */
function classScores(design: Design, w: Float64Array, k: number, dim: number): Float64Array[] {
  return Array.from({ length: k }, (_, c) => margins(design, w.subarray(c * dim, (c + 1) * dim)));
}
