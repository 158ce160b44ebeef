// Small numeric helpers shared by the Kolmogorov-Smirnov code: log-factorials and NumPy-style rounding.

const LOG_FACTORIAL_TABLE_SIZE = 256;
const logFactorialTable = (() => {
  const t = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
  for (let i = 1; i < LOG_FACTORIAL_TABLE_SIZE; i++) t[i] = t[i - 1] + Math.log(i);
  return t;
})();

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Stirling-series remainder ln(k!) - [(k + 1/2) ln k - k + ln(2 pi)/2], accurate to ~1e-17 for k >= 256. */
function stirlingCorrection(k: number): number {
  const r = 1 / k;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
}

/** ln(k!) for an integer k >= 0 (table below 256, Stirling series above, so no accumulated rounding). */
export function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL_TABLE_SIZE) return logFactorialTable[k];
  return (k + 0.5) * Math.log(k) - k + HALF_LOG_2PI + stirlingCorrection(k);
}

/**
 * ln(n! / n^n). Written as one expression for large n so that the two huge terms never cancel
 * (ln n! and n ln n are each ~1e7 at n = 1e6).
 */
export function logFactorialOverPower(n: number): number {
  if (n < LOG_FACTORIAL_TABLE_SIZE) return logFactorialTable[n] - n * Math.log(n);
  return 0.5 * Math.log(n) - n + HALF_LOG_2PI + stirlingCorrection(n);
}

/** ln C(n, k), each factorial evaluated independently (no running sums over k). */
export function logBinomial(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/** Round half to even, as numpy.round does; SciPy rounds the effective KS sample size with it. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Greatest common divisor of two non-negative integers. */
export function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

/** Clamp a probability into [0, 1] (series and subtractions can overshoot by a few ulps). */
export function clipProbability(p: number): number {
  if (Number.isNaN(p)) return p;
  if (p < 0) return 0;
  return p > 1 ? 1 : p;
}
