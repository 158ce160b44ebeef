// Chi-square goodness of fit of live category counts against the reference proportions (scipy.stats.chisquare).

import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import type { NumberArray } from './types';
import { pairedTotals } from './totals';

/** Share given to a bucket the reference never saw, so a new category yields a large but finite statistic. */
export const CHISQUARE_EPSILON = 1e-4;

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  /** Buckets kept minus one. */
  degreesOfFreedom: number;
}

/**
 * Pearson's chi-square of observed (live) counts against expected = n_live * reference share.
 * Guards, since SciPy itself returns inf/NaN for them:
 *  - a bucket empty on both sides is dropped (it carries no information and must not add a degree of freedom);
 *  - a reference share of 0 (a bucket only live data fills) becomes `epsilon`, then shares are renormalised
 *    so expected sums to the observed total (SciPy requires equal sums);
 *  - with fewer than two buckets left the test is undefined: statistic 0, p-value 1.
 * p-value = P(chi2_{k-1} >= statistic) = 1 - CDF, the CDF from @stdlib. The subtraction loses relative
 * precision only for p < ~1e-15, far beyond any drift threshold.
 */
export function chiSquareTest(observed: NumberArray, referenceCounts: NumberArray, epsilon: number = CHISQUARE_EPSILON): ChiSquareResult {
  const k = observed.length;
  // buckets empty on both sides add nothing to either total, so the totals over all buckets are the ones used
  const [totalObs, totalRef] = pairedTotals(observed, referenceCounts, 'chi-square');
  const obs: number[] = [];
  const ref: number[] = [];
  for (let i = 0; i < k; i++) {
    if (observed[i] === 0 && referenceCounts[i] === 0) continue;
    obs.push(observed[i]);
    ref.push(referenceCounts[i]);
  }
  const dof = obs.length - 1;
  if (dof < 1) return { statistic: 0, pValue: 1, degreesOfFreedom: 0 };

  const shares = ref.map((r) => (r > 0 ? r / totalRef : epsilon));
  const shareSum = shares.reduce((a, b) => a + b, 0);
  let stat = 0;
  for (let i = 0; i < obs.length; i++) {
    const expected = (shares[i] / shareSum) * totalObs;
    const d = obs[i] - expected;
    stat += (d * d) / expected;
  }
  return { statistic: stat, pValue: chiSquareSf(stat, dof), degreesOfFreedom: dof };
}

/** P(X >= x) for X ~ chi2(dof). */
export function chiSquareSf(x: number, dof: number): number {
  const p = 1 - chisquareCdf(x, dof);
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
