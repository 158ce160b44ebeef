// Exact Kolmogorov CDF P(D_n < d) for small n by Pomeranz's recursion over the points where the band changes.

import { logFactorialOverPower } from './special';

/**
 * Scale the n uniform points to [0, n] and let N(s) count the points <= s. D_n < d means
 * s - t < N(s) < s + t on [0, n], with t = n d. The allowed range of N changes only where s - t or
 * s + t crosses an integer, i.e. at j + a and j + 1 - a (a = distance of t to the nearest integer),
 * so between those breakpoints the count grows by a Poisson-like increment: weight delta^k / k!.
 * The probability is n!/n^n times the total weight of the paths that end at N(n) = n.
 * All weights are positive, so the sum has no cancellation. Meant for n <= 140 (values < e^140).
 */
export function kolmogorovCdfPomeranz(n: number, d: number): number {
  if (d >= 1) return 1;
  const t = n * d;
  if (t <= 0.5) return 0;
  const frac = t - Math.floor(t);
  const a = Math.min(frac, 1 - frac);

  const breaks: number[] = [0];
  for (let j = 0; j < n; j++) breaks.push(j + a, j + 1 - a);
  breaks.push(n);

  const powCache = new Map<number, Float64Array>();
  const weights = (delta: number): Float64Array => {
    let w = powCache.get(delta);
    if (w === undefined) {
      w = new Float64Array(n + 1);
      w[0] = 1;
      for (let k = 1; k <= n; k++) w[k] = (w[k - 1] * delta) / k;
      powCache.set(delta, w);
    }
    return w;
  };

  let v = new Float64Array(n + 1);
  v[0] = 1;
  for (let i = 1; i < breaks.length; i++) {
    const delta = breaks[i] - breaks[i - 1];
    if (!(delta > 0)) continue; // zero-length interval: no point can land there, bounds coincide
    const mid = (breaks[i] + breaks[i - 1]) / 2;
    const lo = Math.max(0, Math.floor(mid - t) + 1);
    const hi = Math.min(n, Math.ceil(mid + t) - 1);
    const w = weights(delta);
    const next = new Float64Array(n + 1);
    for (let j = lo; j <= hi; j++) {
      let s = 0;
      for (let k = lo; k <= j; k++) s += v[k] * w[j - k];
      next[j] = s;
    }
    v = next;
  }
  const p = v[n] * Math.exp(logFactorialOverPower(n));
  return p > 1 ? 1 : p < 0 ? 0 : p;
}
