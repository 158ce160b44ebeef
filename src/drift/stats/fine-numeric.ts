// KS, Wasserstein and bin counts from two fine numeric summaries (exact value counts or exact-edge bins) via their CDFs.

import type { NumberArray } from './types';

/** A fine numeric summary (src/profile NumericDistribution, matched structurally). */
export type FineNumeric = { kind: 'exact'; values: NumberArray; counts: NumberArray } | { kind: 'bins'; lo: NumberArray; hi: NumberArray; counts: NumberArray; sums: NumberArray };

/**
 * A CDF made of ascending, non-overlapping pieces: an atom (x0 = x1) holds its mass at one point, a segment spreads
 * it evenly over [x0, x1]. Exact value counts are atoms only, so every statistic below is then the one on the raw
 * values. A bin with lo < hi and mean mu becomes two segments, [lo, mu] and [mu, hi], weighted so the bin keeps its
 * exact mean: then the area between two CDFs (Wasserstein) is exact whenever the other CDF does not cross inside
 * the bin, and the CDF error anywhere inside is below the bin's share.
 */
export interface PiecewiseCdf {
  x0: Float64Array;
  x1: Float64Array;
  mass: Float64Array;
  /** cum[i]: mass of pieces before i; cum[n] the total. */
  cum: Float64Array;
  total: number;
}

export function cdfOf(d: FineNumeric): PiecewiseCdf {
  const x0: number[] = [];
  const x1: number[] = [];
  const mass: number[] = [];
  if (d.kind === 'exact') {
    for (let i = 0; i < d.values.length; i++) {
      if (d.counts[i] <= 0) continue;
      x0.push(d.values[i]);
      x1.push(d.values[i]);
      mass.push(d.counts[i]);
    }
  } else {
    binPieces(d, x0, x1, mass);
  }
  for (let i = 1; i < x0.length; i++) {
    if (!(x0[i] >= x1[i - 1])) throw new RangeError('a fine distribution must be ascending and disjoint');
  }
  const cum = new Float64Array(mass.length + 1);
  for (let i = 0; i < mass.length; i++) cum[i + 1] = cum[i] + mass[i];
  return { x0: Float64Array.from(x0), x1: Float64Array.from(x1), mass: Float64Array.from(mass), cum, total: cum[mass.length] };
}

/**
 * A bin with lo < hi and mean mu spreads its count evenly over [lo, mu] and [mu, hi], weighted so the bin keeps its
 * mean; lo = hi is an atom. Bins may overlap (a merged summary), so the segments' densities are added up over the
 * intervals between all their end points, which gives disjoint pieces again.
 */
function binPieces(d: Extract<FineNumeric, { kind: 'bins' }>, x0: number[], x1: number[], mass: number[]): void {
  const segs: [number, number, number][] = [];
  const atoms = new Map<number, number>();
  const atom = (v: number, c: number) => atoms.set(v, (atoms.get(v) ?? 0) + c);
  for (let i = 0; i < d.lo.length; i++) {
    const c = d.counts[i];
    if (!(c > 0)) continue;
    const lo = d.lo[i];
    const hi = d.hi[i];
    if (!(hi > lo)) {
      atom(lo, c);
      continue;
    }
    const mu = Math.min(hi, Math.max(lo, d.sums[i] / c));
    const left = (c * (hi - mu)) / (hi - lo);
    if (left > 0) {
      if (mu > lo) segs.push([lo, mu, left]);
      else atom(lo, left);
    }
    if (c - left > 0) {
      if (hi > mu) segs.push([mu, hi, c - left]);
      else atom(hi, c - left);
    }
  }
  const pts = Float64Array.from([...segs.flatMap((g) => [g[0], g[1]]), ...atoms.keys()]).sort();
  let u = 0;
  for (let i = 0; i < pts.length; i++) if (i === 0 || pts[i] !== pts[u - 1]) pts[u++] = pts[i];
  const at = pts.subarray(0, u);
  const find = (v: number): number => {
    let lo = 0;
    let hi = at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const delta = new Float64Array(at.length);
  const opened = new Int32Array(at.length);
  for (const [a, b, m] of segs) {
    const dens = m / (b - a);
    delta[find(a)] += dens;
    delta[find(b)] -= dens;
    opened[find(a)]++;
    opened[find(b)]--;
  }
  let dens = 0;
  let open = 0;
  for (let k = 0; k < at.length; k++) {
    const c = atoms.get(at[k]);
    if (c !== undefined) {
      x0.push(at[k]);
      x1.push(at[k]);
      mass.push(c);
    }
    dens += delta[k];
    open += opened[k];
    // No segment open: exactly no mass (the running sum would keep rounding residue across the gap).
    if (open === 0) dens = 0;
    if (k + 1 < at.length && dens > 0) {
      const m = dens * (at[k + 1] - at[k]);
      if (m > 0) {
        x0.push(at[k]);
        x1.push(at[k + 1]);
        mass.push(m);
      }
    }
  }
}

/** Pieces whose start is <= t (strict: < t). */
function startsUpTo(c: PiecewiseCdf, t: number, strict: boolean): number {
  let lo = 0;
  let hi = c.x0.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? c.x0[mid] < t : c.x0[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Mass at or below t (right limit, `left` false) or strictly below t (left limit). */
export function massBelow(c: PiecewiseCdf, t: number, left = false): number {
  const k = startsUpTo(c, t, left);
  if (k === 0) return 0;
  const j = k - 1;
  const a = c.x0[j];
  const b = c.x1[j];
  if (t >= b) return c.cum[j + 1];
  return c.cum[j] + (c.mass[j] * (t - a)) / (b - a);
}

/** Every piece end of both CDFs, ascending and unique: between two of them both CDFs are linear. */
function breakpoints(a: PiecewiseCdf, b: PiecewiseCdf): Float64Array {
  const all = new Float64Array(2 * (a.x0.length + b.x0.length));
  let k = 0;
  for (const c of [a, b]) {
    for (let i = 0; i < c.x0.length; i++) {
      all[k++] = c.x0[i];
      all[k++] = c.x1[i];
    }
  }
  all.sort();
  let u = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[u - 1]) all[u++] = all[i];
  return all.subarray(0, u);
}

/**
 * sup |F_a - F_b| over the real line, each CDF normalised by its own total. Both are linear between breakpoints, so
 * the supremum is at a breakpoint, from the left or the right. With exact value counts on both sides this is
 * scipy.stats.ks_2samp's statistic on the raw values.
 */
export function ksStatisticFine(a: PiecewiseCdf, b: PiecewiseCdf): number {
  if (!(a.total > 0 && b.total > 0)) throw new RangeError('KS needs values on each side');
  let best = 0;
  for (const t of breakpoints(a, b)) {
    const right = Math.abs(massBelow(a, t) / a.total - massBelow(b, t) / b.total);
    const left = Math.abs(massBelow(a, t, true) / a.total - massBelow(b, t, true) / b.total);
    best = Math.max(best, right, left);
  }
  return Math.min(1, best);
}

/**
 * The area between the two CDFs (scipy.stats.wasserstein_distance on the raw values when both sides are exact):
 * on each interval between breakpoints the difference is linear, integrated exactly (two triangles when it changes sign).
 */
export function wassersteinFine(a: PiecewiseCdf, b: PiecewiseCdf): number {
  if (!(a.total > 0 && b.total > 0)) throw new RangeError('Wasserstein needs values on each side');
  const ts = breakpoints(a, b);
  let area = 0;
  for (let i = 0; i + 1 < ts.length; i++) {
    const t0 = ts[i];
    const t1 = ts[i + 1];
    const d0 = massBelow(a, t0) / a.total - massBelow(b, t0) / b.total;
    const d1 = massBelow(a, t1, true) / a.total - massBelow(b, t1, true) / b.total;
    const w = t1 - t0;
    if (d0 * d1 >= 0) area += ((Math.abs(d0) + Math.abs(d1)) / 2) * w;
    else area += ((d0 * d0 + d1 * d1) / (2 * (Math.abs(d0) + Math.abs(d1)))) * w;
  }
  return area;
}

/**
 * Counts in the bins of `edges` with numpy.histogram's rule ([e_i, e_i+1), the last bin closed); mass outside the
 * edges is left out, as numpy does. Exact for exact value counts; a segment straddling an edge is split in proportion.
 */
export function countsOnEdges(c: PiecewiseCdf, edges: NumberArray): Float64Array {
  const k = edges.length - 1;
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const lower = massBelow(c, edges[i], true);
    const upper = i === k - 1 ? massBelow(c, edges[k]) : massBelow(c, edges[i + 1], true);
    out[i] = Math.max(0, upper - lower);
  }
  return out;
}

/** Smallest and largest value with mass. */
export function cdfRange(c: PiecewiseCdf): [number, number] {
  const n = c.x0.length;
  if (n === 0) throw new RangeError('empty distribution');
  return [c.x0[0], c.x1[n - 1]];
}

/** Distinct values, exact for exact counts; for bins a lower bound (the number of bins). */
export function distinctValues(d: FineNumeric): number {
  return d.kind === 'exact' ? d.values.length : d.lo.length;
}
