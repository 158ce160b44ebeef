// Ridge-regression baseline (closed form on the logistic baseline's design) that a regression GBDT must beat.
import { z } from 'zod';
import type { Frame } from '../data/frame';
import { takeRows } from '../data/frame';
import { ModelFeature, ModelInputError } from './gbdt-model';
import { buildDesign, fitLayout, loadWeights, margins, sampleIndices, storeWeights, type Design } from './linear-design';

export const RidgeOptions = z
  .object({
    /** L2 penalty on the mean squared error (intercept excluded); features are standardised, so it is scale-free. */
    l2: z.number().gt(0).default(1e-3),
    /** Most frequent categories that get their own weight; the rest share the "other" weight. */
    maxCategories: z.number().int().min(1).max(1000).default(32),
    /** Larger frames are subsampled (seeded) to this many rows. */
    maxRows: z.number().int().min(1).default(200_000),
    seed: z.number().int().default(7),
  })
  .strict();
export type RidgeOptions = z.input<typeof RidgeOptions>;

const NumericWeight = z.object({ feature: z.string(), mean: z.number(), std: z.number(), weight: z.number(), missingWeight: z.number() }).strict();
const CategoricalWeights = z.object({ feature: z.string(), categories: z.array(z.string()), weights: z.array(z.number()), otherWeight: z.number() }).strict();

export const RidgeModel = z
  .object({
    kind: z.literal('ridge-regression'),
    features: z.array(ModelFeature),
    intercept: z.number(),
    /** z = (x - mean) / std contributes weight * z; a missing value contributes `missingWeight` instead. */
    numeric: z.array(NumericWeight),
    /** One weight per listed category; NULL, '' and all others share `otherWeight`. */
    categorical: z.array(CategoricalWeights),
    l2: z.number(),
    trainRmse: z.number(),
  })
  .strict();
export type RidgeModel = z.infer<typeof RidgeModel>;

/** Fits `frame.target` by ridge regression: solves (X'X/n + l2 I') w = X'y/n by Cholesky (I' leaves the intercept out). */
export function fitRidge(frame: Frame, options: RidgeOptions = {}): RidgeModel {
  const opts = RidgeOptions.parse(options);
  if (!frame.target) throw new ModelInputError('ridge regression needs a frame with a numeric target (a regression frame)');
  if (frame.rows < 1) throw new ModelInputError('cannot train on an empty frame');
  const data = frame.rows > opts.maxRows ? takeRows(frame, sampleIndices(frame.rows, opts.maxRows, opts.seed)) : frame;
  const y = data.target!;
  const layout = fitLayout(data, opts.maxCategories);
  const design = buildDesign(data, layout);
  const { gram, xty } = normalEquations(design, y);
  const dim = layout.dim;
  for (let k = 1; k < dim; k++) gram[k * dim + k] += opts.l2;
  const w = choleskySolve(gram, xty, dim);
  const fitted = margins(design, w);
  let sq = 0;
  for (let i = 0; i < data.rows; i++) sq += (y[i] - fitted[i]) ** 2;
  return {
    kind: 'ridge-regression',
    features: data.features.map((c) => ({ name: c.name, type: c.kind })),
    ...storeWeights(layout, w),
    l2: opts.l2,
    trainRmse: Math.sqrt(sq / data.rows),
  };
}

/** The predicted value per row. */
export function predictRidge(model: RidgeModel, frame: Frame): Float64Array {
  const { layout, w } = loadWeights(model);
  return margins(buildDesign(frame, layout), w);
}

/** X'X / n and X'y / n over the design's sparse rows (each row has one active slot per feature plus the intercept). */
function normalEquations(d: Design, y: Float64Array): { gram: Float64Array; xty: Float64Array } {
  const dim = d.dim;
  const n = d.rows;
  const gram = new Float64Array(dim * dim);
  const xty = new Float64Array(dim);
  const width = 1 + d.numericCount + d.slot.length;
  const index = new Int32Array(width);
  const value = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    index[0] = 0;
    value[0] = 1;
    for (let j = 0; j < d.numericCount; j++) {
      const missing = d.missing[j][i] === 1;
      index[1 + j] = missing ? 1 + d.numericCount + j : 1 + j;
      value[1 + j] = missing ? 1 : d.z[j][i];
    }
    for (let c = 0; c < d.slot.length; c++) {
      index[1 + d.numericCount + c] = d.slot[c][i];
      value[1 + d.numericCount + c] = 1;
    }
    for (let a = 0; a < width; a++) {
      const ia = index[a];
      const va = value[a];
      xty[ia] += va * y[i];
      for (let b = 0; b < width; b++) gram[ia * dim + index[b]] += va * value[b];
    }
  }
  for (let k = 0; k < dim * dim; k++) gram[k] /= n;
  for (let k = 0; k < dim; k++) xty[k] /= n;
  return { gram, xty };
}

/** Solves A x = b for a symmetric positive definite A (row-major, dim x dim); A is overwritten. */
export function choleskySolve(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  for (let j = 0; j < dim; j++) {
    let diag = a[j * dim + j];
    for (let k = 0; k < j; k++) diag -= a[j * dim + k] ** 2;
    if (!(diag > 0)) throw new ModelInputError(`ridge system is not positive definite at column ${j}`);
    const l = Math.sqrt(diag);
    a[j * dim + j] = l;
    for (let i = j + 1; i < dim; i++) {
      let s = a[i * dim + j];
      for (let k = 0; k < j; k++) s -= a[i * dim + k] * a[j * dim + k];
      a[i * dim + j] = s / l;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < dim; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= a[i * dim + k] * x[k];
    x[i] = s / a[i * dim + i];
  }
  for (let i = dim - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < dim; k++) s -= a[k * dim + i] * x[k];
    x[i] = s / a[i * dim + i];
  }
  return x;
}
