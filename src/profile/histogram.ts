// Fixed-edge histograms: one binning rule shared by SQL (training profile) and JS (live data), so counts compare exactly.
import { quoteIdent, sqlLiteral } from '../data/duckdb';

/**
 * Bin rule for edges e0 < e1 < ... < eB (B bins): bin i holds e_i <= v < e_{i+1}, the last bin also holds v == eB.
 * Returns -1 below e0 (underflow), B above eB (overflow), null for NaN/missing.
 */
export function binIndex(edges: readonly number[], value: number): number | null {
  if (Number.isNaN(value)) return null;
  const bins = edges.length - 1;
  if (value < edges[0]) return -1;
  if (value > edges[bins]) return bins;
  if (value === edges[bins]) return bins - 1;
  let lo = 0;
  let hi = bins; // invariant: edges[lo] <= value < edges[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (value < edges[mid]) hi = mid;
    else lo = mid;
  }
  return lo;
}

export interface BinCounts {
  counts: number[];
  underflow: number;
  overflow: number;
  /** NaN values, i.e. missing. */
  missing: number;
}

/** Counts `values` into the bins of `edges` with `binIndex`'s rule (for live data read into JS). */
export function histogramCounts(edges: readonly number[], values: ArrayLike<number>): BinCounts {
  const out: BinCounts = { counts: new Array<number>(edges.length - 1).fill(0), underflow: 0, overflow: 0, missing: 0 };
  for (let i = 0; i < values.length; i++) {
    const b = binIndex(edges, values[i]);
    if (b === null) out.missing++;
    else if (b < 0) out.underflow++;
    else if (b >= out.counts.length) out.overflow++;
    else out.counts[b]++;
  }
  return out;
}

/** The same rule as `binIndex` as a SQL expression over `column` (NULL stays NULL). */
export function binSql(column: string, edges: readonly number[]): string {
  const c = quoteIdent(column);
  const bins = edges.length - 1;
  const whens = [`WHEN ${c} < ${sqlLiteral(edges[0])} THEN -1`];
  for (let i = 1; i < bins; i++) whens.push(`WHEN ${c} < ${sqlLiteral(edges[i])} THEN ${i - 1}`);
  whens.push(`WHEN ${c} <= ${sqlLiteral(edges[bins])} THEN ${bins - 1}`);
  return `CASE WHEN ${c} IS NULL OR isnan(CAST(${c} AS DOUBLE)) THEN NULL ${whens.join(' ')} ELSE ${bins} END`;
}

/** Sorted, de-duplicated edges from quantile cut points; a constant column gets one bin [v, v]. */
export function edgesFromCutPoints(cuts: readonly (number | null)[]): number[] | null {
  const finite = cuts.filter((c): c is number => c !== null && Number.isFinite(c)).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const edges: number[] = [];
  for (const c of finite) if (edges.length === 0 || c > edges[edges.length - 1]) edges.push(c);
  return edges.length === 1 ? [edges[0], edges[0]] : edges;
}

/**
 * A quantile estimated from histogram counts by linear interpolation inside the bin (used after merging profiles,
 * where exact quantiles cannot be recovered). Underflow/overflow mass sits at `min`/`max`.
 */
export function quantileFromHistogram(hist: { edges: readonly number[]; counts: readonly number[]; underflow: number; overflow: number }, q: number, min: number, max: number): number | null {
  const total = hist.underflow + hist.overflow + hist.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const target = q * total;
  let acc = hist.underflow;
  if (target <= acc && hist.underflow > 0) return min;
  for (let i = 0; i < hist.counts.length; i++) {
    const c = hist.counts[i];
    if (c > 0 && target <= acc + c) {
      const lo = hist.edges[i];
      const hi = hist.edges[i + 1];
      return lo + ((target - acc) / c) * (hi - lo);
    }
    acc += c;
  }
  return max;
}
