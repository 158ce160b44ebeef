// Shapes shared by the drift statistics: binned numeric data, category counts, and method names.

import type { z } from 'zod';
import type { categoricalMethodSchema, driftMethodSchema, numericMethodSchema } from './config';

/** Read-only numeric input: a plain array or any typed array. */
export type NumberArray = ArrayLike<number>;

/**
 * Numeric values counted on fixed bin edges, numpy.histogram convention: bin b is [edges[b], edges[b+1]),
 * the last bin is closed. Finite values outside [edges[0], edges[last]] are kept as tails with their
 * sums, so that their mean is known (it makes the Wasserstein tail term exact). A training profile has
 * empty tails; live data binned on the profile's edges may not.
 */
export interface BinnedNumeric {
  /** Increasing, length k + 1 (a constant column may have the single closed bin [v, v]). */
  edges: NumberArray;
  /** Length k. */
  counts: NumberArray;
  /** Finite values < edges[0]: how many, and their sum. Absent means none. */
  below?: { count: number; sum: number };
  /** Finite values > edges[k]: how many, and their sum. Absent means none. */
  above?: { count: number; sum: number };
}

/**
 * Categorical values counted against a fixed list of known categories (the profile's top-K):
 * counts[i] belongs to categories[i]; `other` holds every non-null value outside the list.
 */
export interface CategoryCounts {
  counts: NumberArray;
  other: number;
}

/** Numeric drift methods (all work on binned data; KS and Wasserstein also on raw samples). */
export type NumericMethod = z.infer<typeof numericMethodSchema>;
/** Categorical drift methods. */
export type CategoricalMethod = z.infer<typeof categoricalMethodSchema>;
export type DriftMethod = z.infer<typeof driftMethodSchema>;

/** How the KS p-value is computed, as SciPy's ks_2samp `method`. */
export type KsMode = 'auto' | 'exact' | 'asymp';

/** A statistic with an optional p-value. */
export interface TestResult {
  statistic: number;
  pValue?: number;
}
