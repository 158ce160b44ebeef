// The buckets PSI, Jensen-Shannon and chi-square compare, built from fine summaries as Evidently builds them from raw values.

import { cdfOf, cdfRange, countsOnEdges, type FineNumeric, type PiecewiseCdf } from './fine-numeric';

/** A fine categorical summary (src/profile CategoryDistribution, matched structurally). */
export interface FineCategories {
  categories: readonly { value: string; count: number }[];
  /** Non-null values outside `categories` (a side past its cap). */
  otherCount: number;
}

/** Reference and current counts over the same buckets. */
export interface PairedBuckets {
  reference: Float64Array;
  current: Float64Array;
  /** How the buckets were made, for the report. */
  rule: 'values' | 'sturges';
}

/**
 * Category counts over the union of both sides' categories (sorted, so the order is stable), plus one "other" bucket
 * when either side folded rare categories past its cap (then the statistics are approximate: those categories are
 * compared as one). Evidently's keys: the union of values seen on either side.
 */
export function categoryBucketsOf(reference: FineCategories, current: FineCategories): PairedBuckets {
  const keys = new Map<string, number>();
  for (const side of [reference, current]) for (const c of side.categories) if (!keys.has(c.value)) keys.set(c.value, 0);
  const order = [...keys.keys()].sort();
  order.forEach((k, i) => keys.set(k, i));
  const other = reference.otherCount > 0 || current.otherCount > 0 ? 1 : 0;
  const fill = (side: FineCategories): Float64Array => {
    const out = new Float64Array(order.length + other);
    for (const c of side.categories) out[keys.get(c.value) as number] += c.count;
    if (other) out[order.length] = side.otherCount;
    return out;
  };
  return { reference: fill(reference), current: fill(current), rule: 'values' };
}

/**
 * numpy.histogram_bin_edges(concat(reference, current), bins="sturges") from the combined range and size: width =
 * range / (log2(n) + 1), ceil(range / width) equal bins, edges i * step + first as numpy.linspace (last = max).
 * Float data is assumed (numpy widens integer bins to at least 1).
 */
export function sturgesEdges(min: number, max: number, n: number): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(n) + 1);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/**
 * Evidently's get_binned_data for a numeric feature: with more than 20 distinct reference values, Sturges bins over
 * both sides together; otherwise each distinct value is a bucket (needs exact value counts on both sides; a side
 * summarized in bins falls back to Sturges bins).
 */
export function numericBucketsOf(reference: FineNumeric, current: FineNumeric, refCdf?: PiecewiseCdf, curCdf?: PiecewiseCdf): PairedBuckets {
  if (reference.kind === 'exact' && current.kind === 'exact' && reference.values.length <= 20) {
    const toCats = (d: { values: ArrayLike<number>; counts: ArrayLike<number> }): FineCategories => ({
      categories: Array.from({ length: d.values.length }, (_, i) => ({ value: String(d.values[i]), count: d.counts[i] })),
      otherCount: 0,
    });
    return categoryBucketsOf(toCats(reference), toCats(current));
  }
  const r = refCdf ?? cdfOf(reference);
  const c = curCdf ?? cdfOf(current);
  const [rMin, rMax] = cdfRange(r);
  const [cMin, cMax] = cdfRange(c);
  const edges = sturgesEdges(Math.min(rMin, cMin), Math.max(rMax, cMax), Math.round(r.total + c.total));
  return { reference: countsOnEdges(r, edges), current: countsOnEdges(c, edges), rule: 'sturges' };
}

/**
 * Evidently's zero filling for PSI, side by side: shares of 0 become 1e-4, or the smallest non-zero share / 1e6 when
 * that share is itself at most 1e-4. Shares are not renormalised afterwards.
 */
export function evidentlyShares(counts: Float64Array): Float64Array {
  let total = 0;
  for (const c of counts) total += c;
  const shares = counts.map((c) => c / total);
  let min = Infinity;
  for (const s of shares) if (s > 0 && s < min) min = s;
  const fill = min <= 1e-4 ? min / 1e6 : 1e-4;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** Evidently's PSI: sum over buckets of (r - c) * ln(r / c) on the zero-filled shares. */
export function psiEvidently(b: PairedBuckets): number {
  const r = evidentlyShares(b.reference);
  const c = evidentlyShares(b.current);
  let s = 0;
  for (let i = 0; i < r.length; i++) s += (r[i] - c[i]) * Math.log(r[i] / c[i]);
  return s;
}
