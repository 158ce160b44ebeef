// Regression metrics as pure functions over target/prediction arrays (equal to scikit-learn/NumPy on committed vectors).
import { z } from 'zod';

/** Equal-count bins of the predicted-against-actual table (sorted by prediction, as numpy.array_split cuts). */
export const REGRESSION_BINS = 10;

export const ResidualSummary = z
  .object({
    /** Residual = actual - predicted. */
    mean: z.number(),
    /** Population standard deviation (ddof 0, numpy.std). */
    std: z.number(),
    /** Linear interpolation between order statistics (numpy.percentile's default). */
    quantiles: z.object({ p5: z.number(), p25: z.number(), p50: z.number(), p75: z.number(), p95: z.number() }).strict(),
  })
  .strict();
export type ResidualSummary = z.infer<typeof ResidualSummary>;

export const PredictedActualBin = z
  .object({
    count: z.number().int().min(1),
    /** Smallest and largest prediction in the bin. */
    minPredicted: z.number(),
    maxPredicted: z.number(),
    meanPredicted: z.number(),
    meanActual: z.number(),
  })
  .strict();
export type PredictedActualBin = z.infer<typeof PredictedActualBin>;

export const RegressionMetrics = z
  .object({
    task: z.literal('regression'),
    rows: z.number().int().min(1),
    rmse: z.number(),
    mae: z.number(),
    /** scikit-learn's r2_score (force_finite: 1 for a perfect fit of a constant target, else 0 there); null under 2 rows. */
    r2: z.number().nullable(),
    meanTarget: z.number(),
    meanPrediction: z.number(),
    residuals: ResidualSummary,
    /** Rows sorted by prediction, cut into up to REGRESSION_BINS equal-count bins: the card's predicted-against-actual table. */
    bins: z.array(PredictedActualBin),
  })
  .strict();
export type RegressionMetrics = z.infer<typeof RegressionMetrics>;

type Values = ArrayLike<number>;

function check(target: Values, prediction: Values): void {
  if (target.length !== prediction.length) throw new RangeError(`${target.length} targets but ${prediction.length} predictions`);
  if (target.length === 0) throw new RangeError('regression metrics need at least one row');
  for (let i = 0; i < target.length; i++) {
    if (!Number.isFinite(target[i])) throw new RangeError(`target ${i} is ${target[i]}, not a finite number`);
    if (!Number.isFinite(prediction[i])) throw new RangeError(`prediction ${i} is ${prediction[i]}, not a finite number`);
  }
}

function mean(v: Values): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

export function rmse(target: Values, prediction: Values): number {
  check(target, prediction);
  let s = 0;
  for (let i = 0; i < target.length; i++) s += (target[i] - prediction[i]) ** 2;
  return Math.sqrt(s / target.length);
}

export function mae(target: Values, prediction: Values): number {
  check(target, prediction);
  let s = 0;
  for (let i = 0; i < target.length; i++) s += Math.abs(target[i] - prediction[i]);
  return s / target.length;
}

/** Coefficient of determination as scikit-learn's r2_score; null with fewer than 2 rows (undefined). */
export function r2Score(target: Values, prediction: Values): number | null {
  check(target, prediction);
  if (target.length < 2) return null;
  const m = mean(target);
  let res = 0;
  let tot = 0;
  for (let i = 0; i < target.length; i++) {
    res += (target[i] - prediction[i]) ** 2;
    tot += (target[i] - m) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/** numpy.percentile(values, q) with linear interpolation; `sorted` ascending. */
export function percentileSorted(sorted: Values, q: number): number {
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

export function residualSummary(target: Values, prediction: Values): ResidualSummary {
  check(target, prediction);
  const r = new Float64Array(target.length);
  for (let i = 0; i < r.length; i++) r[i] = target[i] - prediction[i];
  const m = mean(r);
  let ss = 0;
  for (let i = 0; i < r.length; i++) ss += (r[i] - m) ** 2;
  const sorted = Float64Array.from(r).sort();
  const q = (p: number) => percentileSorted(sorted, p);
  return { mean: m, std: Math.sqrt(ss / r.length), quantiles: { p5: q(5), p25: q(25), p50: q(50), p75: q(75), p95: q(95) } };
}

/** Predicted-against-actual: rows by prediction (ties in row order), `bins` contiguous groups whose sizes differ by at most one. */
export function predictedActualBins(target: Values, prediction: Values, bins = REGRESSION_BINS): PredictedActualBin[] {
  check(target, prediction);
  const n = target.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => prediction[a] - prediction[b] || a - b);
  const k = Math.min(bins, n);
  const base = Math.floor(n / k);
  const extra = n % k;
  const out: PredictedActualBin[] = [];
  for (let b = 0, start = 0; b < k; b++) {
    const size = base + (b < extra ? 1 : 0);
    let sp = 0;
    let sa = 0;
    for (let j = start; j < start + size; j++) {
      sp += prediction[idx[j]];
      sa += target[idx[j]];
    }
    out.push({ count: size, minPredicted: prediction[idx[start]], maxPredicted: prediction[idx[start + size - 1]], meanPredicted: sp / size, meanActual: sa / size });
    start += size;
  }
  return out;
}

/** Every regression metric at once. */
export function evaluateRegression(target: Values, prediction: Values): RegressionMetrics {
  check(target, prediction);
  return {
    task: 'regression',
    rows: target.length,
    rmse: rmse(target, prediction),
    mae: mae(target, prediction),
    r2: r2Score(target, prediction),
    meanTarget: mean(target),
    meanPrediction: mean(prediction),
    residuals: residualSummary(target, prediction),
    bins: predictedActualBins(target, prediction),
  };
}
