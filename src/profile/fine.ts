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
 * Greedy sweep over ascending, disjoint bins [lo, hi]: consecutive bins join while their count stays within
 * total / target and their width within (max - min) / target, so at most about 3 * target bins come out. The count
 * bound gives the rank error (the largest share held by a joined bin with lo < hi; single values are exact); the
 * width bound keeps sparse tails finely resolved, so counts on any other bin edges (Evidently's Sturges bins) are
 * nearly exact there too.
 */
function compactBins(lo: Nums, hi: Nums, counts: Nums, sums: Nums, target: number, distinct: number): NumericDistribution {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const share = total / target;
  const width = lo.length ? (hi[hi.length - 1] - lo[0]) / target : 0;
  const out = { lo: [] as number[], hi: [] as number[], counts: [] as number[], sums: [] as number[] };
  let worst = 0;
  let i = 0;
  while (i < lo.length) {
    let c = counts[i];
    let s = sums[i];
    const start = lo[i];
    let end = hi[i];
    i++;
    while (i < lo.length && c + counts[i] <= share && hi[i] - start <= width) {
      c += counts[i];
      s += sums[i];
      end = hi[i];
      i++;
    }
    out.lo.push(start);
    out.hi.push(end);
    out.counts.push(c);
    out.sums.push(s);
    if (end > start && total > 0) worst = Math.max(worst, c / total);
  }
  return { kind: 'bins', ...out, distinct, rankError: worst };
}

/** A distribution as disjoint ascending bins (exact values are bins with lo = hi). */
function asBins(d: NumericDistribution): { lo: number[]; hi: number[]; counts: number[]; sums: number[]; distinct: number } {
  if (d.kind === 'bins') return { lo: d.lo, hi: d.hi, counts: d.counts, sums: d.sums, distinct: d.distinct };
  return { lo: d.values, hi: d.values, counts: d.counts, sums: d.values.map((v, i) => v * d.counts[i]), distinct: d.values.length };
}

/**
 * Merges the distributions of two disjoint row sets: exact + exact adds counts by value and stays exact within `cap`;
 * otherwise the bins of both are unioned, overlapping bins joined, and the result compacted to `bins` bins (the rank
 * error then bounds the merged bins, which can be wider than either input's).
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
  const order = [...x.lo.map((_, i) => ({ s: x, i })), ...y.lo.map((_, i) => ({ s: y, i }))].sort((p, q) => p.s.lo[p.i] - q.s.lo[q.i]);
  const lo: number[] = [];
  const hi: number[] = [];
  const counts: number[] = [];
  const sums: number[] = [];
  for (const { s, i } of order) {
    const last = lo.length - 1;
    if (last >= 0 && s.lo[i] <= hi[last]) {
      hi[last] = Math.max(hi[last], s.hi[i]);
      counts[last] += s.counts[i];
      sums[last] += s.sums[i];
    } else {
      lo.push(s.lo[i]);
      hi.push(s.hi[i]);
      counts.push(s.counts[i]);
      sums.push(s.sums[i]);
    }
  }
  return compactBins(lo, hi, counts, sums, bins, Math.max(x.distinct, y.distinct, lo.length));
}

const byCountThenValue = (x: { value: string; count: number }, y: { value: string; count: number }): number =>
  y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0);

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
  const merged = categoryDistribution([...m].map(([value, count]) => ({ value, count })), cap);
  return { ...merged, otherCount: merged.otherCount + a.otherCount + b.otherCount, complete: merged.complete && a.complete && b.complete };
}
