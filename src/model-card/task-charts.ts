// The regression card's residual histogram (predicted against actual comes with the metrics: RegressionMetrics.bins).
import { z } from 'zod';

export const ResidualBin = z.object({ lower: z.number(), upper: z.number(), count: z.number().int().min(0) }).strict();
export const RegressionCharts = z
  .object({
    /** actual - predicted, in equal-width bins between the 1st and 99th percentile (the tails fold into the end bins). */
    residuals: z.array(ResidualBin),
  })
  .strict();
export type RegressionCharts = z.infer<typeof RegressionCharts>;

/** The residual histogram of a card from the holdout's targets and predictions (non-finite pairs are left out). */
export function regressionCharts(actual: ArrayLike<number>, predicted: ArrayLike<number>, bins = 20): RegressionCharts {
  const residual: number[] = [];
  for (let i = 0; i < actual.length; i++) {
    const r = actual[i] - predicted[i];
    if (Number.isFinite(r)) residual.push(r);
  }
  if (residual.length === 0) return { residuals: [] };
  const sorted = Float64Array.from(residual).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))];
  const hi = sorted[Math.ceil(0.99 * (sorted.length - 1))];
  const n = hi > lo ? bins : 1;
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(n).fill(0);
  for (const r of sorted) counts[Math.min(n - 1, Math.max(0, Math.floor((r - lo) / width)))]++;
  return { residuals: counts.map((count, b) => ({ lower: lo + b * width, upper: lo + (b + 1) * width, count })) };
}
