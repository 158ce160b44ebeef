// The dataset profile's schema: per-feature statistics stored beside a model and compared later by the drift monitor.
import { z } from 'zod';

const count = z.number().int().nonnegative();
const stat = z.number().nullable();

export const QUANTILE_KEYS = ['p01', 'p05', 'p25', 'p50', 'p75', 'p95', 'p99'] as const;
export const QUANTILE_FRACTIONS: Record<(typeof QUANTILE_KEYS)[number], number> = {
  p01: 0.01,
  p05: 0.05,
  p25: 0.25,
  p50: 0.5,
  p75: 0.75,
  p95: 0.95,
  p99: 0.99,
};

export const Histogram = z
  .object({
    /** Bin edges e0 < ... < eB; bin i holds e_i <= v < e_{i+1}, the last also v == eB (see `binIndex`). */
    edges: z.array(z.number()).min(2),
    counts: z.array(count),
    /** Values below e0 / above eB (zero in the profile the edges came from, non-zero for later data). */
    underflow: count,
    overflow: count,
  })
  .refine((h) => h.counts.length === h.edges.length - 1, { message: 'counts must have one entry per bin (edges - 1)' });
export type Histogram = z.infer<typeof Histogram>;

export const NumericProfile = z.object({
  name: z.string(),
  kind: z.literal('numeric'),
  /** All rows, including missing. */
  count,
  /** NULL (or NaN) values. */
  nulls: count,
  min: stat,
  max: stat,
  mean: stat,
  /** Sample standard deviation (n - 1). */
  stddev: stat,
  quantiles: z.object({ p01: stat, p05: stat, p25: stat, p50: stat, p75: stat, p95: stat, p99: stat }),
  /** False after a merge: quantiles are then interpolated from the histogram. */
  quantilesExact: z.boolean(),
  /** Null when the column has no non-missing value. */
  histogram: Histogram.nullable(),
});
export type NumericProfile = z.infer<typeof NumericProfile>;

export const CategoricalProfile = z.object({
  name: z.string(),
  kind: z.literal('categorical'),
  count,
  nulls: count,
  /** Distinct non-null values. */
  distinct: count,
  /** False after a merge (then `distinct` is a lower bound). */
  distinctExact: z.boolean(),
  /** How many values `top` may hold. */
  topK: z.number().int().positive(),
  /** The most frequent values, by count then value (or, when profiled against a reference, the reference's values in its order). */
  top: z.array(z.object({ value: z.string(), count })),
  /** Non-null rows whose value is not in `top`. */
  otherCount: count,
});
export type CategoricalProfile = z.infer<typeof CategoricalProfile>;

export const FeatureProfile = z.discriminatedUnion('kind', [NumericProfile, CategoricalProfile]);
export type FeatureProfile = z.infer<typeof FeatureProfile>;

export const DatasetProfile = z.object({
  version: z.literal(1),
  rows: count,
  /** Present when the data has a `__label` column (training snapshots). */
  label: z.object({ positives: count, positiveRate: stat }).nullable(),
  features: z.array(FeatureProfile),
  /** Full scans of the data it took to compute (not meaningful after a merge). */
  passes: count,
  createdAt: z.string(),
});
export type DatasetProfile = z.infer<typeof DatasetProfile>;
