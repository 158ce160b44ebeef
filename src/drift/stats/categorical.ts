// Categorical helpers: the bucket vector [known..., other] and the share of live values unknown to training.

import type { CategoryCounts } from './types';

/** [...counts, other]: the buckets every categorical statistic compares. */
export function categoryBuckets(c: CategoryCounts): Float64Array {
  const k = c.counts.length;
  const out = new Float64Array(k + 1);
  for (let i = 0; i < k; i++) out[i] = c.counts[i];
  out[k] = c.other;
  return out;
}

/** Non-null values counted. */
export function categoryTotal(c: CategoryCounts): number {
  let s = c.other;
  for (let i = 0; i < c.counts.length; i++) s += c.counts[i];
  return s;
}

/**
 * Share of live non-null values outside the profile's known categories (0 when there are none).
 * The profile keeps only its top-K categories, so this is exactly "never seen in training" when the
 * profile's own `other` count is 0, and otherwise an upper bound (a live value may be one of the
 * reference's rare categories folded into `other`).
 */
export function unseenShare(current: CategoryCounts): number {
  const total = categoryTotal(current);
  return total > 0 ? current.other / total : 0;
}
