// Adapters from stored profiles (src/profile schema, matched structurally) and live counts to drift inputs.

import type { BinnedLive } from './binning';
import type { CategoryCountsLive } from './category-counts';
import type { CategoricalFeatureInput, NumericFeatureInput } from './decide';
import type { BinnedNumeric } from './types';

/** The fields of a profile histogram this module reads (src/profile/schema.ts `Histogram`). */
export interface ProfileHistogramLike {
  edges: readonly number[];
  counts: readonly number[];
  underflow: number;
  overflow: number;
}

/** The fields of a numeric feature profile this module reads; `count` includes missing rows. */
export interface NumericProfileLike {
  count: number;
  nulls: number;
  min: number | null;
  max: number | null;
  /** Sample standard deviation (n - 1). */
  stddev: number | null;
  histogram: ProfileHistogramLike | null;
}

/** The fields of a categorical feature profile this module reads; `count` includes missing rows. */
export interface CategoricalProfileLike {
  count: number;
  nulls: number;
  top: readonly { value: string; count: number }[];
  otherCount: number;
}

/**
 * A profile histogram as BinnedNumeric. A profile keeps only how many values fell outside the edges,
 * not their sum, so each tail is treated like one more bin, [min, e0) or (eB, max], with its mass at
 * the bin's midpoint, the same approximation as the inner bins.
 */
export function binnedFromProfileHistogram(h: ProfileHistogramLike, min: number | null, max: number | null): BinnedNumeric {
  const k = h.edges.length - 1;
  const e0 = h.edges[0];
  const eB = h.edges[k];
  const lowAt = min !== null && min < e0 ? (min + e0) / 2 : e0;
  const highAt = max !== null && max > eB ? (max + eB) / 2 : eB;
  return {
    edges: h.edges,
    counts: h.counts,
    below: { count: h.underflow, sum: h.underflow * lowAt },
    above: { count: h.overflow, sum: h.overflow * highAt },
  };
}

function isBinnedLive(x: NumericProfileLike | BinnedLive): x is BinnedLive {
  return (x as BinnedLive).edges !== undefined;
}

/**
 * Drift input for a numeric feature from the training profile and either live values binned with
 * binNumeric (exact tails) or a live profile computed on the reference's edges. Returns null when the
 * reference has no histogram (no non-missing training value: nothing to compare with).
 * The reference std passed on is the population std (numpy.std, as Evidently), converted from the
 * profile's sample std: s * sqrt((n - 1) / n).
 */
export function numericFeatureInput(feature: string, reference: NumericProfileLike, current: NumericProfileLike | BinnedLive): NumericFeatureInput | null {
  if (!reference.histogram) return null;
  const ref = binnedFromProfileHistogram(reference.histogram, reference.min, reference.max);
  const n = reference.count - reference.nulls;
  const std = reference.stddev !== null && n > 0 ? reference.stddev * Math.sqrt((n - 1) / n) : undefined;
  let cur: NumericFeatureInput['current'];
  if (isBinnedLive(current)) cur = current;
  else if (current.histogram) cur = { ...binnedFromProfileHistogram(current.histogram, current.min, current.max), nulls: current.nulls };
  else {
    // Live data had no non-missing value: empty counts on the reference's edges.
    cur = { edges: ref.edges, counts: new Array<number>(ref.counts.length).fill(0), nulls: current.nulls };
  }
  return { feature, kind: 'numeric', reference: { ...ref, nulls: reference.nulls, ...(std !== undefined ? { std } : {}) }, current: cur };
}

/** The reference categories in profile order. */
export function profileCategories(reference: CategoricalProfileLike): string[] {
  return reference.top.map((t) => t.value);
}

function isCountsLive(x: CategoricalProfileLike | CategoryCountsLive): x is CategoryCountsLive {
  return (x as CategoryCountsLive).counts !== undefined;
}

/**
 * Drift input for a categorical feature from the training profile and either live counts made with
 * countCategories / countCategoryCodes against profileCategories(reference), or a live profile (its
 * top values are matched to the reference's by value; any not among them go to `other`).
 */
export function categoricalFeatureInput(feature: string, reference: CategoricalProfileLike, current: CategoricalProfileLike | CategoryCountsLive): CategoricalFeatureInput {
  const categories = profileCategories(reference);
  const refSide = { counts: reference.top.map((t) => t.count), other: reference.otherCount, nulls: reference.nulls };
  if (isCountsLive(current)) {
    if (current.counts.length !== categories.length) {
      throw new RangeError(`feature ${feature}: live counts cover ${current.counts.length} categories, the profile ${categories.length}`);
    }
    return { feature, kind: 'categorical', reference: refSide, current };
  }
  const slot = new Map(categories.map((c, i) => [c, i] as const));
  const counts = new Array<number>(categories.length).fill(0);
  let other = current.otherCount;
  for (const t of current.top) {
    const i = slot.get(t.value);
    if (i === undefined) other += t.count;
    else counts[i] += t.count;
  }
  return { feature, kind: 'categorical', reference: refSide, current: { counts, other, nulls: current.nulls } };
}
