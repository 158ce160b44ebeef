// Population Stability Index over matching buckets (histogram bins or categories), empty buckets smoothed.

import type { NumberArray } from './types';
import { pairedTotals } from './totals';

/**
 * Share given to an empty bucket. Without it one empty bucket makes PSI infinite; 1e-4 is Evidently's
 * fallback constant and keeps a single new bucket of share s near (s - 1e-4) * ln(s / 1e-4).
 */
export const PSI_EPSILON = 1e-4;

/**
 * PSI = sum_i (c_i - r_i) * ln(c_i / r_i), with r, c each side's counts divided by its own total and an
 * empty bucket's share replaced by `epsilon` (shares are not renormalised afterwards, the common
 * convention; NumPy reference: p = counts / counts.sum(); p[p == 0] = eps). Non-negative, 0 for equal
 * shares, symmetric in the two sides. Rule of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 major shift.
 */
export function psi(referenceCounts: NumberArray, currentCounts: NumberArray, epsilon: number = PSI_EPSILON): number {
  const k = referenceCounts.length;
  const [tr, tc] = pairedTotals(referenceCounts, currentCounts, 'PSI');
  let s = 0;
  for (let i = 0; i < k; i++) {
    const r = referenceCounts[i] > 0 ? referenceCounts[i] / tr : epsilon;
    const c = currentCounts[i] > 0 ? currentCounts[i] / tc : epsilon;
    s += (c - r) * Math.log(c / r);
  }
  return s;
}
