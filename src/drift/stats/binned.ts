// Helpers over BinnedNumeric: totals, shared-edge checks, and the bucket vector (tails + bins) used by PSI/JS.

import type { BinnedNumeric, NumberArray } from './types';

/** Number of values in the bins and tails. */
export function binnedTotal(b: BinnedNumeric): number {
  let s = (b.below?.count ?? 0) + (b.above?.count ?? 0);
  for (let i = 0; i < b.counts.length; i++) s += b.counts[i];
  return s;
}

/** Throws unless both sides are counted on the same edges (statistics on different bins are meaningless). */
export function assertSameEdges(a: BinnedNumeric, b: BinnedNumeric): void {
  if (a.edges.length !== b.edges.length) throw new RangeError('histograms have different numbers of edges');
  for (let i = 0; i < a.edges.length; i++) {
    if (a.edges[i] !== b.edges[i]) throw new RangeError(`histograms differ at edge ${i}: ${a.edges[i]} vs ${b.edges[i]}`);
  }
  for (const h of [a, b]) {
    if (h.counts.length !== h.edges.length - 1) throw new RangeError('a histogram needs exactly edges.length - 1 counts');
  }
}

/** [below, ...counts, above]: every value falls in exactly one bucket, so the buckets can be compared as categories. */
export function bucketCounts(b: BinnedNumeric): Float64Array {
  const k = b.counts.length;
  const out = new Float64Array(k + 2);
  out[0] = b.below?.count ?? 0;
  for (let i = 0; i < k; i++) out[i + 1] = b.counts[i];
  out[k + 1] = b.above?.count ?? 0;
  return out;
}

/** A profile histogram (no tails) as BinnedNumeric. */
export function histogram(edges: NumberArray, counts: NumberArray): BinnedNumeric {
  return { edges, counts };
}
