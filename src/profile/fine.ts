// Fine distributions (exact value counts, or equal-frequency bins with exact edges past a cap): build and merge.
import type { CategoryDistribution, NumericDistribution } from './schema';

type Nums = ArrayLike<number>;

/**
 * From ascending distinct values and their counts: exact while there are at most `cap` of them, else `bins`
 * equal-frequency bins. A value is never split across bins, so a value heavier than a bin's share gets a bin of its
 * own (lo = hi, exact).
 */
export function numericDistribution(values: Nums, counts: Nums, cap: number, bins: number): NumericDistribution {
  if (values.length <= cap) return { kind: 'exact', values: Array.from(values), counts: Array.from(counts) };
  const sums = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) sums[i] = values[i] * counts[i];
  return compactBins(values, values, counts, sums, bins, values.length);
}

/**
 * Greedy sweep over bins [lo, hi] sorted by lo: consecutive bins join while their count stays within total / target
 * and their width within (max - min) / target, so at most about 3 * target bins come out. The count bound gives the
 * rank error, the width bound keeps sparse tails finely resolved (so counts on other edges, such as Evidently's
 * Sturges bins, stay nearly exact there). Bins of one profile are disjoint; after a merge, bins of the two sides may
 * overlap (joining every overlap would chain across the whole range).
 */
function compactBins(lo: Nums, hi: Nums, counts: Nums, sums: Nums, target: number, distinct: number): NumericDistribution {
  let total = 0;
  let max = -Infinity;
  for (let i = 0; i < counts.length; i++) {
    total += counts[i];
    max = Math.max(max, hi[i]);
  }
  const share = total / target;
  const width = lo.length ? (max - lo[0]) / target : 0;
  const out = { lo: [] as number[], hi: [] as number[], counts: [] as number[], sums: [] as number[] };
  let i = 0;
  while (i < lo.length) {
    let c = counts[i];
    let s = sums[i];
    const start = lo[i];
    let end = hi[i];
    i++;
    while (i < lo.length && c + counts[i] <= share && Math.max(end, hi[i]) - start <= width) {
      c += counts[i];
      s += sums[i];
      end = Math.max(end, hi[i]);
      i++;
    }
    out.lo.push(start);
    out.hi.push(end);
    out.counts.push(c);
    out.sums.push(s);
  }
  return { kind: 'bins', ...out, distinct, rankError: rankError(out.lo, out.hi, out.counts, total) };
}

/**
 * The largest share of values whose position within their bin is unknown at any point: the counts of the bins with
 * lo < hi that span it, summed (one bin for a single profile; where merged bins overlap, all of them).
 */
function rankError(lo: number[], hi: number[], counts: number[], total: number): number {
  if (!(total > 0)) return 0;
  const events: [number, number][] = [];
  for (let i = 0; i < lo.length; i++) {
    if (hi[i] > lo[i]) events.push([lo[i], counts[i]], [hi[i], -counts[i]]);
  }
  // At equal positions a bin ending there is counted out before one starting there comes in (they only touch).
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let worst = 0;
  for (const [, d] of events) {
    open += d;
    worst = Math.max(worst, open);
  }
  return Math.min(1, worst / total);
}

/** A distribution as bins sorted by lo (exact values are bins with lo = hi). */
function asBins(d: NumericDistribution): { lo: number[]; hi: number[]; counts: number[]; sums: number[]; distinct: number } {
  if (d.kind === 'bins') return { lo: d.lo, hi: d.hi, counts: d.counts, sums: d.sums, distinct: d.distinct };
  return { lo: d.values, hi: d.values, counts: d.counts, sums: d.values.map((v, i) => v * d.counts[i]), distinct: d.values.length };
}

/**
 * Merges the distributions of two disjoint row sets: exact + exact adds counts by value and stays exact within `cap`;
 * otherwise the bins of both (a value is a bin [v, v]) are put in one list by lo and compacted to `bins` bins. Bins of
 * the two sides may overlap; the stated rank error counts every bin spanning a point, so it stays a bound.
 */
export function mergeNumericDistributions(a: NumericDistribution, b: NumericDistribution, cap: number, bins: number): NumericDistribution {
  if (a.kind === 'exact' && b.kind === 'exact') {
    const values: number[] = [];
    const counts: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.values.length || j < b.values.length) {
      const take = j >= b.values.length || (i < a.values.length && a.values[i] <= b.values[j]) ? a.values[i] : b.values[j];
      let c = 0;
      if (i < a.values.length && a.values[i] === take) c += a.counts[i++];
      if (j < b.values.length && b.values[j] === take) c += b.counts[j++];
      values.push(take);
      counts.push(c);
    }
    return numericDistribution(values, counts, cap, bins);
  }
  const x = asBins(a);
  const y = asBins(b);
  const order = [...x.lo.map((_, i) => ({ s: x, i })), ...y.lo.map((_, i) => ({ s: y, i }))].sort((p, q) => p.s.lo[p.i] - q.s.lo[q.i] || p.s.hi[p.i] - q.s.hi[q.i]);
  const lo = order.map(({ s, i }) => s.lo[i]);
  const hi = order.map(({ s, i }) => s.hi[i]);
  const counts = order.map(({ s, i }) => s.counts[i]);
  const sums = order.map(({ s, i }) => s.sums[i]);
  return compactBins(lo, hi, counts, sums, bins, Math.max(x.distinct, y.distinct));
}

const byCountThenValue = (x: { value: string; count: number }, y: { value: string; count: number }): number => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0);

/** Every category while there are at most `cap`, else the `cap` most frequent and the rest as `otherCount`. */
export function categoryDistribution(counted: readonly { value: string; count: number }[], cap: number): CategoryDistribution {
  const sorted = [...counted].sort(byCountThenValue);
  const kept = sorted.slice(0, cap);
  const other = sorted.slice(cap).reduce((s, c) => s + c.count, 0);
  return { categories: kept, otherCount: other, complete: sorted.length <= cap };
}

/** Adds counts by category; past the cap the least frequent fold into `otherCount`. */
export function mergeCategoryDistributions(a: CategoryDistribution, b: CategoryDistribution, cap: number): CategoryDistribution {
  const m = new Map<string, number>();
  for (const c of [...a.categories, ...b.categories]) m.set(c.value, (m.get(c.value) ?? 0) + c.count);
  const merged = categoryDistribution(
    [...m].map(([value, count]) => ({ value, count })),
    cap,
  );
  return { ...merged, otherCount: merged.otherCount + a.otherCount + b.otherCount, complete: merged.complete && a.complete && b.complete };
}
