// 1-D Wasserstein (earth mover's) distance on samples, weighted samples and histograms; Evidently's normed variant.

import { assertSameEdges } from './binned';
import type { BinnedNumeric, NumberArray } from './types';

/** Evidently's floor on the reference standard deviation, so a constant reference does not divide by zero. */
export const MIN_REFERENCE_STD = 0.001;

interface Sorted {
  values: Float64Array;
  /** Cumulative weights: cum[i] = weight of values[0..i-1]; cum[n] is the total. */
  cum: Float64Array;
}

function sortUnweighted(x: NumberArray): Sorted {
  const values = Float64Array.from(x).sort();
  const cum = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) cum[i + 1] = i + 1;
  return { values, cum };
}

function sortWeighted(x: NumberArray, w: NumberArray): Sorted {
  if (w.length !== x.length) throw new RangeError('weights must have the same length as values');
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const values = new Float64Array(x.length);
  const cum = new Float64Array(x.length + 1);
  for (let i = 0; i < order.length; i++) {
    const wi = w[order[i]];
    if (!(wi >= 0) || !Number.isFinite(wi)) throw new RangeError('weights must be finite and non-negative');
    values[i] = x[order[i]];
    cum[i + 1] = cum[i] + wi;
  }
  return { values, cum };
}

/** Integral of |U(x) - V(x)| dx between the two step CDFs, walking the merged sorted values once. */
function cdfDistance(u: Sorted, v: Sorted): number {
  const nu = u.values.length;
  const nv = v.values.length;
  const tu = u.cum[nu];
  const tv = v.cum[nv];
  if (!(tu > 0 && tv > 0)) throw new RangeError('each distribution needs a positive total weight');
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(u.values[0], v.values[0]);
  while (i < nu || j < nv) {
    const x = j >= nv || (i < nu && u.values[i] <= v.values[j]) ? u.values[i] : v.values[j];
    // CDFs are constant on [prev, x): the indices below x give the weight already passed.
    total += Math.abs(u.cum[i] / tu - v.cum[j] / tv) * (x - prev);
    while (i < nu && u.values[i] === x) i++;
    while (j < nv && v.values[j] === x) j++;
    prev = x;
  }
  return total;
}

function assertNoNaN(x: NumberArray, what: string): void {
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i])) throw new RangeError(`${what} contains NaN`);
}

/**
 * scipy.stats.wasserstein_distance(u, v, uWeights, vWeights) for 1-D data: the area between the
 * two (weighted) empirical CDFs. Weights need not sum to 1; each side is normalised by its own total.
 */
export function wassersteinDistance(u: NumberArray, v: NumberArray, uWeights?: NumberArray, vWeights?: NumberArray): number {
  if (u.length === 0 || v.length === 0) throw new RangeError('Wasserstein needs at least one value on each side');
  assertNoNaN(u, 'u');
  assertNoNaN(v, 'v');
  const su = uWeights ? sortWeighted(u, uWeights) : sortUnweighted(u);
  const sv = vWeights ? sortWeighted(v, vWeights) : sortUnweighted(v);
  return cdfDistance(su, sv);
}

/** Population standard deviation (numpy.std, ddof = 0), optionally weighted. */
export function standardDeviation(x: NumberArray, weights?: NumberArray): number {
  let sw = 0;
  let mean = 0;
  for (let i = 0; i < x.length; i++) {
    const w = weights ? weights[i] : 1;
    sw += w;
    mean += w * x[i];
  }
  mean /= sw;
  let ss = 0;
  for (let i = 0; i < x.length; i++) {
    const w = weights ? weights[i] : 1;
    const d = x[i] - mean;
    ss += w * d * d;
  }
  return Math.sqrt(ss / sw);
}

/** Evidently's normed Wasserstein: W1(reference, current) / max(std(reference), 0.001) on raw samples. */
export function wassersteinNormed(reference: NumberArray, current: NumberArray): number {
  return wassersteinDistance(reference, current) / Math.max(standardDeviation(reference), MIN_REFERENCE_STD);
}

/**
 * A histogram as weighted points: each bin's count sits at the bin midpoint, each tail's count at the
 * tail's mean. Empty buckets are dropped (weight 0 changes nothing).
 */
export function binnedAsWeightedPoints(b: BinnedNumeric): { values: Float64Array; weights: Float64Array } {
  const values: number[] = [];
  const weights: number[] = [];
  if (b.below && b.below.count > 0) {
    values.push(b.below.sum / b.below.count);
    weights.push(b.below.count);
  }
  for (let i = 0; i < b.counts.length; i++) {
    if (b.counts[i] > 0) {
      values.push((b.edges[i] + b.edges[i + 1]) / 2);
      weights.push(b.counts[i]);
    }
  }
  if (b.above && b.above.count > 0) {
    values.push(b.above.sum / b.above.count);
    weights.push(b.above.count);
  }
  return { values: Float64Array.from(values), weights: Float64Array.from(weights) };
}

/**
 * Wasserstein distance between two histograms on the same edges, computed exactly as
 * scipy.stats.wasserstein_distance(midpoints, midpoints, ref_counts, cur_counts) (tails at their means).
 * Approximation vs the raw samples: moving every value to its bin midpoint moves each CDF by at most
 * half a bin width, so the error is at most the largest bin width (usually far less: shifts of the two
 * samples within a bin largely cancel). A tail whose other side is empty is exact, because only its
 * mean enters the area between the CDFs.
 */
export function wassersteinFromBinned(reference: BinnedNumeric, current: BinnedNumeric): number {
  assertSameEdges(reference, current);
  const r = binnedAsWeightedPoints(reference);
  const c = binnedAsWeightedPoints(current);
  return wassersteinDistance(r.values, c.values, r.weights, c.weights);
}

/**
 * Normed Wasserstein on histograms: the distance above divided by max(std, 0.001), where std is the
 * reference's own standard deviation when the profile stores it (preferred), else the weighted std of
 * the reference midpoints (which overstates it by about bin_width^2/12 in variance, Sheppard).
 */
export function wassersteinNormedFromBinned(reference: BinnedNumeric, current: BinnedNumeric, referenceStd?: number): number {
  const w = wassersteinFromBinned(reference, current);
  let std = referenceStd;
  if (std === undefined) {
    const r = binnedAsWeightedPoints(reference);
    std = standardDeviation(r.values, r.weights);
  }
  return w / Math.max(std, MIN_REFERENCE_STD);
}
