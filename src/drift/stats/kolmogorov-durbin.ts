// Exact Kolmogorov CDF P(D_n <= d) by Durbin's matrix method in the Marsaglia-Tsang-Wang form.

import { logFactorialOverPower } from './special';

/** Row-major m x m product a * b. */
function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    for (let k = 0; k < m; k++) {
      const aik = a[row + k];
      if (aik === 0) continue;
      const bRow = k * m;
      for (let j = 0; j < m; j++) out[row + j] += aik * b[bRow + j];
    }
  }
  return out;
}

/** Scales `a` in place by a power of two so its largest entry is ~1; returns the binary exponent removed. */
function normalise(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > max) max = v;
  }
  if (max === 0 || !Number.isFinite(max)) return 0;
  const e = Math.floor(Math.log2(max));
  if (e === 0) return 0;
  const f = Math.pow(2, -e); // exact: a power of two only shifts exponents
  for (let i = 0; i < a.length; i++) a[i] *= f;
  return e;
}

/**
 * P(D_n <= d) = n!/n^n * (H^n)[k-1][k-1], with d = (k - h)/n, k integer, 0 <= h < 1, H of size 2k-1.
 * Cost O(k^3 log n); callers use it only where k is small (Simard & L'Ecuyer's regimes).
 * Intermediate powers are rescaled by powers of two and the factor n!/n^n is applied in log space,
 * because both overflow long before n = 1e5.
 */
export function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  const invFactorial = new Float64Array(m + 1);
  invFactorial[0] = 1;
  for (let j = 1; j <= m; j++) invFactorial[j] = invFactorial[j - 1] / j;

  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const p = i - j + 1;
      if (p >= 0) H[i * m + j] = invFactorial[p];
    }
  }
  for (let i = 0; i < m; i++) H[i * m] -= Math.pow(h, i + 1) * invFactorial[i + 1];
  for (let j = 0; j < m; j++) H[(m - 1) * m + j] -= Math.pow(h, m - j) * invFactorial[m - j];
  if (2 * h - 1 > 0) H[(m - 1) * m] += Math.pow(2 * h - 1, m) * invFactorial[m];

  // Binary powering; `base` and `acc` each carry a binary exponent so entries stay in range.
  let base: Float64Array = H;
  let baseExp = 0;
  let acc: Float64Array | null = null;
  let accExp = 0;
  let e = n;
  while (e > 0) {
    if (e & 1) {
      if (acc === null) {
        acc = base.slice();
        accExp = baseExp;
      } else {
        acc = multiply(acc, base, m);
        accExp += baseExp + normalise(acc);
      }
    }
    e = Math.floor(e / 2);
    if (e > 0) {
      base = multiply(base, base, m);
      baseExp = 2 * baseExp + normalise(base);
    }
  }
  const entry = (acc as Float64Array)[(k - 1) * m + (k - 1)];
  if (entry <= 0) return 0;
  const logP = Math.log(entry) + accExp * Math.LN2 + logFactorialOverPower(n);
  const p = Math.exp(logP);
  return p > 1 ? 1 : p;
}
