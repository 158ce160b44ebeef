// Two-sample Kolmogorov-Smirnov test on raw samples or on two histograms with the same edges (SciPy ks_2samp parity).

import { assertSameEdges, binnedTotal } from './binned';
import { ksTwoSampleExactSf } from './ks-exact';
import { kolmogorovSf } from './kolmogorov';
import { gcd, roundHalfEven } from './special';
import type { BinnedNumeric, KsMode, NumberArray } from './types';

export interface KsResult {
  /** sup |F1 - F2| (for the exact p-value, rounded to the lattice 1/lcm(n1,n2) as SciPy does). */
  statistic: number;
  pValue: number;
  /** The computation actually used ('auto' resolved). */
  mode: 'exact' | 'asymp';
}

/** SciPy's cut-over: 'auto' is exact while both samples have at most this many values. */
const MAX_AUTO_EXACT_N = 10_000;
const INT32_MAX = 2147483647;

/**
 * Two-sided p-value for a KS statistic d between samples of sizes n1 and n2, as scipy.stats.ks_2samp:
 *  - exact: P(D >= d) from the lattice-path distribution (no ties assumed), d rounded to h/lcm;
 *  - asymp: kstwo.sf(d, round(n1*n2/(n1+n2))), the one-sample Kolmogorov distribution at the
 *    effective size, rounded half-to-even like numpy.round;
 *  - auto (default, SciPy's default too): exact when max(n1, n2) <= 10000, else asymp.
 * Explicit 'exact' falls back to asymp when lcm(n1, n2) would overflow int32, as SciPy does.
 */
export function ksPValue(d: number, n1: number, n2: number, mode: KsMode = 'auto'): KsResult {
  if (!(Number.isInteger(n1) && Number.isInteger(n2) && n1 >= 1 && n2 >= 1)) {
    throw new RangeError(`KS needs whole, positive sample sizes (got ${n1} and ${n2})`);
  }
  const g = gcd(n1, n2);
  let resolved: 'exact' | 'asymp';
  if (mode === 'auto') resolved = Math.max(n1, n2) <= MAX_AUTO_EXACT_N ? 'exact' : 'asymp';
  else if (mode === 'exact') resolved = n1 / g >= INT32_MAX / (n2 / g) ? 'asymp' : 'exact';
  else resolved = 'asymp';

  if (resolved === 'exact') {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    return { statistic: h / lcm, pValue: ksTwoSampleExactSf(n1, n2, h, g), mode: 'exact' };
  }
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  // en >= 0.5 always; numpy would round 0.5 to 0 (a NaN p-value), one value per side is treated as n = 1.
  const effective = Math.max(1, roundHalfEven(en));
  return { statistic: d, pValue: kolmogorovSf(effective, d), mode: 'asymp' };
}

/** Sorted copy of the non-NaN values (NaN means missing; the missing rate is measured separately). */
function sortedFinite(x: NumberArray): Float64Array {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) out[k++] = x[i];
  return out.sort();
}

/** sup over all values of |ECDF_a - ECDF_b| for sorted inputs; ties are handled by stepping past equal values. */
function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = 0;
  let minDiff = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    const diff = i / n1 - j / n2; // same expression as SciPy's cdf1 - cdf2
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  return Math.max(maxDiff, Math.min(1, -minDiff));
}

/** Two-sided two-sample KS test on raw samples (NaN ignored). Matches scipy.stats.ks_2samp(a, b, method=mode). */
export function ksTwoSample(a: NumberArray, b: NumberArray, mode: KsMode = 'auto'): KsResult {
  const sa = sortedFinite(a);
  const sb = sortedFinite(b);
  if (sa.length === 0 || sb.length === 0) throw new RangeError('KS needs at least one value in each sample');
  return ksPValue(ksStatisticSorted(sa, sb), sa.length, sb.length, mode);
}

/**
 * KS from two histograms on the same edges. Both ECDFs are known exactly at the edges only, so the
 * statistic is the largest gap there: max over e_i of |R(e_i-) - C(e_i-)|, plus the gap at the closed
 * top edge; tails count below the first edge and above the last. This is a lower bound on the KS
 * statistic of the underlying samples, equal to it when no ECDF step of either sample falls strictly
 * inside a bin and differs there (e.g. integer data on half-integer edges). The p-value then treats
 * the counts as the sample sizes, exactly as for samples (so with coarse bins it errs towards "no drift").
 */
export function ksFromBinned(reference: BinnedNumeric, current: BinnedNumeric, mode: KsMode = 'auto'): KsResult {
  assertSameEdges(reference, current);
  const n1 = binnedTotal(reference);
  const n2 = binnedTotal(current);
  if (n1 === 0 || n2 === 0) throw new RangeError('KS needs at least one value in each histogram');
  let c1 = reference.below?.count ?? 0;
  let c2 = current.below?.count ?? 0;
  let maxDiff = 0;
  let minDiff = 0;
  const k = reference.counts.length;
  for (let b = 0; b <= k; b++) {
    // b < k: ECDF just below edge b; b === k: ECDF at the closed top edge. Inside the tails, as inside a
    // bin, the ECDFs are unknown; with an empty reference tail the gap only shrinks there.
    const diff = c1 / n1 - c2 / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
    if (b < k) {
      c1 += reference.counts[b];
      c2 += current.counts[b];
    }
  }
  return ksPValue(Math.max(maxDiff, Math.min(1, -minDiff)), n1, n2, mode);
}
