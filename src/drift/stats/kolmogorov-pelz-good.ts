// Pelz-Good asymptotic series for the Kolmogorov CDF, used for large n where exact methods are too slow.

const PI2 = Math.PI * Math.PI;
const PI4 = PI2 * PI2;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * P(D_n <= x) ~ K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^(3/2), z = x sqrt(n)
 * (Pelz & Good 1976, in the form of Simard & L'Ecuyer 2011, section 3). With u = pi^2 (k - 1/2)^2 and
 * E_k = exp(-u / (2 z^2)), F_k = exp(-pi^2 k^2 / (2 z^2)):
 *   K0 = sqrt(2pi)/z * sum E_k
 *   K1 = sqrt(2pi)/(6 z^4) * sum (u - z^2) E_k
 *   K2 = sqrt(2pi)/(72 z^7) * sum (6z^6 + 2z^4 + (2z^4 - 5z^2) u + (1 - 2z^2) u^2) E_k
 *        - sqrt(2pi) pi^2/(36 z^3) * sum k^2 F_k
 *   K3 = sqrt(2pi)/(6480 z^10) * sum ((5 - 30z^2) u^3 + (212z^4 - 60z^2) u^2 + (135z^4 - 96z^6) u
 *        - 30z^6 - 90z^8) E_k + sqrt(2pi)/(216 z^6) * sum (3 pi^2 k^2 z^2 - pi^4 k^4) F_k
 */
export function kolmogorovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  // exp(-pi^2/(8 z^2)) underflows: the CDF is 0 to double precision.
  if (PI2 / (8 * z2) > 745) return 0;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const z8 = z4 * z4;

  // Terms decay like exp(-c k^2 / z^2); stop when the exponent passes -800 (far below double precision).
  const kMax = Math.ceil(13 * z) + 2;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t2 = 0;
  let t3 = 0;
  for (let k = kMax; k >= 1; k--) {
    // summed from the smallest terms up, to keep the rounding of the large ones last
    const half = k - 0.5;
    const u = PI2 * half * half;
    const e = Math.exp(-u / (2 * z2));
    s0 += e;
    s1 += (u - z2) * e;
    s2 += (6 * z6 + 2 * z4 + (2 * z4 - 5 * z2) * u + (1 - 2 * z2) * u * u) * e;
    s3 += ((5 - 30 * z2) * u * u * u + (212 * z4 - 60 * z2) * u * u + (135 * z4 - 96 * z6) * u - 30 * z6 - 90 * z8) * e;
    const k2 = k * k;
    const f = Math.exp((-PI2 * k2) / (2 * z2));
    t2 += k2 * f;
    t3 += (3 * PI2 * k2 * z2 - PI4 * k2 * k2) * f;
  }
  const k0 = (SQRT_2PI / z) * s0;
  const k1 = (SQRT_2PI / (6 * z4)) * s1;
  const k2 = (SQRT_2PI / (72 * z6 * z)) * s2 - ((SQRT_2PI * PI2) / (36 * z2 * z)) * t2;
  const k3 = (SQRT_2PI / (6480 * z8 * z2)) * s3 + (SQRT_2PI / (216 * z6)) * t3;
  const sn = Math.sqrt(n);
  return k0 + k1 / sn + k2 / n + k3 / (n * sn);
}
