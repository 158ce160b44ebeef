// The dataset profile's schema: per-feature statistics stored beside a model and compared later by the drift monitor.
import { z } from 'zod';
import { ClassValue } from '../task/task';

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

/**
 * A numeric column's fine distribution, what the drift statistics compute on. `exact`: every distinct value (ascending)
 * with its count, kept while the distinct values stay within the profile's cap. `bins`: beyond the cap, a mergeable
 * quantile summary of consecutive equal-frequency bins with exact edges: bin i holds `counts[i]` values, all within
 * [lo[i], hi[i]] (its smallest and largest value), summing to `sums[i]`; bins are sorted by lo, disjoint in a profile
 * of one scan and possibly overlapping after a merge. The CDF is within `rankError` of the truth everywhere (the
 * largest share of values in bins with lo < hi spanning one point) and exact between bins.
 */
export const NumericDistribution = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('exact'), values: z.array(z.number()), counts: z.array(count) }).refine((d) => d.values.length === d.counts.length, { message: 'exact: one count per value' }),
  z
    .object({
      kind: z.literal('bins'),
      lo: z.array(z.number()),
      hi: z.array(z.number()),
      counts: z.array(count),
      sums: z.array(z.number()),
      /** Distinct values summarized (a lower bound after a merge). */
      distinct: count,
      rankError: z.number().min(0).max(1),
    })
    .refine((d) => [d.hi.length, d.counts.length, d.sums.length].every((n) => n === d.lo.length), { message: 'bins: lo, hi, counts and sums must have one entry per bin' }),
]);
export type NumericDistribution = z.infer<typeof NumericDistribution>;

/** A categorical column's fine distribution: every category up to the cap, else the most frequent ones and `otherCount`. */
export const CategoryDistribution = z.object({
  /** By count desc, then value. */
  categories: z.array(z.object({ value: z.string(), count })),
  /** Non-null values outside `categories` (0 when `complete`). */
  otherCount: count,
  /** True when `categories` holds every non-null value seen. */
  complete: z.boolean(),
});
export type CategoryDistribution = z.infer<typeof CategoryDistribution>;

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
  /** Null when the column has no non-missing value. Coarse: for the report's plots. */
  histogram: Histogram.nullable(),
  /** Version 2 profiles: the fine distribution the statistics use (absent in coarse, version 1 profiles). */
  distribution: NumericDistribution.optional(),
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
  /** Version 2 profiles: every category up to the cap (absent in coarse, version 1 profiles). */
  distribution: CategoryDistribution.optional(),
});
export type CategoricalProfile = z.infer<typeof CategoricalProfile>;

export const FeatureProfile = z.discriminatedUnion('kind', [NumericProfile, CategoricalProfile]);
export type FeatureProfile = z.infer<typeof FeatureProfile>;

/**
 * Version 1: coarse (20-bin histograms, top 100 categories); the drift monitor still reads it and says so.
 * Version 2: every feature also carries its fine `distribution`, within the caps below.
 */
export const PROFILE_VERSION = 2;

/** Resolution of a version 2 profile: exact counts up to these many distinct values, then `bins` bins or the top categories. */
export const FineSettings = z.object({
  numericCap: z.number().int().positive(),
  categoricalCap: z.number().int().positive(),
  bins: z.number().int().positive(),
});
export type FineSettings = z.infer<typeof FineSettings>;
export const DEFAULT_FINE: FineSettings = { numericCap: 10_000, categoricalCap: 10_000, bins: 4_096 };

/** The model's scores on the holdout: the training side of the prediction distribution (binary P(positive); regression the values). */
export const ScoreProfile = z.object({
  /** Absent: binary (profiles written before other tasks existed). */
  task: z.literal('regression').optional(),
  count,
  mean: stat,
  distribution: NumericDistribution,
});
export type ScoreProfile = z.infer<typeof ScoreProfile>;

/** A multiclass model's holdout predictions: how often each class was predicted (the most probable) and its mean probability. */
export const ClassShareProfile = z.object({
  task: z.literal('multiclass'),
  count,
  classes: z.array(ClassValue).min(2),
  /** Rows predicted as each class, in `classes` order. */
  predicted: z.array(count),
  meanProbabilities: z.array(z.number()),
});
export type ClassShareProfile = z.infer<typeof ClassShareProfile>;

/** The holdout prediction distribution of any task (see predictionProfile). */
export const PredictionProfile = z.union([ClassShareProfile, ScoreProfile]);
export type PredictionProfile = z.infer<typeof PredictionProfile>;

export const DatasetProfile = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  /** Version 2: the caps the fine distributions were made with. */
  fine: FineSettings.optional(),
  /** Version 2, after training: the holdout scores (absent before the model exists, and in version 1). */
  prediction: PredictionProfile.optional(),
  rows: count,
  /** Present when the data has a `__label` column (training snapshots). */
  label: z.object({ positives: count, positiveRate: stat }).nullable(),
  features: z.array(FeatureProfile),
  /** Full scans of the data it took to compute (not meaningful after a merge). */
  passes: count,
  createdAt: z.string(),
});
export type DatasetProfile = z.infer<typeof DatasetProfile>;
