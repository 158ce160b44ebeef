// The regression card's charts as small tables: predicted against actual (equal-count bins) and the residual histogram.
import { z } from 'zod';

export const PredictedVsActualBin = z.object({ count: z.number().int().min(1), meanPredicted: z.number(), meanActual: z.number() }).strict();
export const ResidualBin = z.object({ lower: z.number(), upper: z.number(), count: z.number().int().min(0) }).strict();
export const RegressionCharts = z
  .object({
    /** Holdout rows sorted by prediction, in equal-count bins: a well-fitted model's points lie on the diagonal. */
    predictedVsActual: z.array(PredictedVsActualBin),
    /** actual - predicted, in equal-width bins between the 1st and 99th percentile (the tails fold into the end bins). */
    residuals: z.array(ResidualBin),
  })
  .strict();
export type RegressionCharts = z.infer<typeof RegressionCharts>;

/** The two regression charts of a card from the holdout's targets and predictions (NaN targets are left out). */
export function regressionCharts(actual: ArrayLike<number>, predicted: ArrayLike<number>, bins = 20): RegressionCharts {
  const rows: number[] = [];
  for (let i = 0; i < actual.length; i++) if (Number.isFinite(actual[i]) && Number.isFinite(predicted[i])) rows.push(i);
  if (rows.length === 0) return { predictedVsActual: [], residuals: [] };
  rows.sort((a, b) => predicted[a] - predicted[b] || a - b);
  const k = Math.min(bins, rows.length);
  const predictedVsActual: z.infer<typeof PredictedVsActualBin>[] = [];
  for (let b = 0; b < k; b++) {
    const from = Math.floor((b * rows.length) / k);
    const to = Math.floor(((b + 1) * rows.length) / k);
    let p = 0;
    let a = 0;
    for (let j = from; j < to; j++) {
      p += predicted[rows[j]];
      a += actual[rows[j]];
    }
    predictedVsActual.push({ count: to - from, meanPredicted: p / (to - from), meanActual: a / (to - from) });
  }
  const residual = Float64Array.from(rows, (i) => actual[i] - predicted[i]).sort();
  const lo = residual[Math.floor(0.01 * (residual.length - 1))];
  const hi = residual[Math.ceil(0.99 * (residual.length - 1))];
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(hi > lo ? bins : 1).fill(0);
  for (const r of residual) counts[Math.min(counts.length - 1, Math.max(0, Math.floor((r - lo) / width)))]++;
  return { predictedVsActual, residuals: counts.map((count, b) => ({ lower: lo + b * width, upper: lo + (b + 1) * width, count })) };
}
