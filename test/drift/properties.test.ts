// Property tests (fast-check): ranges, identities, symmetry, and exact methods cross-checked against brute force.

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { binNumeric, chiSquareTest, jensenShannonDistance, kolmogorovSf, ksPValue, ksTwoSample, psi, wassersteinDistance } from '../../src/drift/stats';
import { kolmogorovCdfDurbin } from '../../src/drift/stats/kolmogorov-durbin';
import { kolmogorovCdfPomeranz } from '../../src/drift/stats/kolmogorov-pomeranz';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const sampleArb = fc.array(finite, { minLength: 1, maxLength: 60 });
const smallInts = fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 60 });
const countsPair = (minLength: number) =>
  fc
    .integer({ min: minLength, max: 12 })
    .chain((k) => fc.tuple(fc.array(fc.nat({ max: 1000 }), { minLength: k, maxLength: k }), fc.array(fc.nat({ max: 1000 }), { minLength: k, maxLength: k })))
    .filter(([a, b]) => a.some((x) => x > 0) && b.some((x) => x > 0));

/** P(D >= d) by enumerating every merge order of n1 and n2 values: the definition, for tiny sizes. */
function bruteForceKsSf(n1: number, n2: number, d: number): number {
  let outside = 0;
  let total = 0;
  const walk = (i: number, j: number, hit: boolean): void => {
    const gap = Math.abs(i / n1 - j / n2);
    const now = hit || gap >= d - 1e-12;
    if (i === n1 && j === n2) {
      total++;
      if (now) outside++;
      return;
    }
    if (i < n1) walk(i + 1, j, now);
    if (j < n2) walk(i, j + 1, now);
  };
  walk(0, 0, false);
  return outside / total;
}

describe('drift statistics: properties', () => {
  it('KS: D in [0,1], p in [0,1], symmetric in the two samples (auto and asymp)', () => {
    fc.assert(
      fc.property(sampleArb, sampleArb, (a, b) => {
        for (const mode of ['auto', 'asymp'] as const) {
          const r = ksTwoSample(a, b, mode);
          const s = ksTwoSample(b, a, mode);
          assert.ok(r.statistic >= 0 && r.statistic <= 1);
          assert.ok(r.pValue >= 0 && r.pValue <= 1);
          assert.equal(r.statistic, s.statistic);
          assert.ok(Math.abs(r.pValue - s.pValue) < 1e-12);
        }
      }),
    );
  });

  it('KS: a sample against itself (any ties) gives D = 0 and p = 1', () => {
    fc.assert(
      fc.property(smallInts, (a) => {
        const r = ksTwoSample(a, [...a].reverse());
        assert.equal(r.statistic, 0);
        assert.equal(r.pValue, 1);
      }),
    );
  });

  it('KS exact p-value equals brute-force enumeration of merge orders', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.double({ min: 0, max: 1, noNaN: true }), (n1, n2, raw) => {
        const r = ksPValue(raw, n1, n2, 'exact');
        // the statistic is snapped to the lattice 1/lcm, as SciPy does; enumerate at the snapped value
        assert.ok(Math.abs(r.pValue - bruteForceKsSf(n1, n2, r.statistic)) < 1e-12);
      }),
    );
  });

  it('Kolmogorov: the two exact methods (Durbin matrix, Pomeranz) agree for n <= 140', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 140 }), fc.double({ min: 0.02, max: 0.6, noNaN: true }), (n, x) => {
        assert.ok(Math.abs(kolmogorovCdfDurbin(n, x) - kolmogorovCdfPomeranz(n, x)) < 1e-10);
      }),
    );
  });

  it('Kolmogorov sf is in [0,1] and non-increasing in x (across method switch points, to 1e-6)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (n, x1, x2) => {
        const [lo, hi] = x1 <= x2 ? [x1, x2] : [x2, x1];
        const a = kolmogorovSf(n, lo);
        const b = kolmogorovSf(n, hi);
        assert.ok(a >= 0 && a <= 1 && b >= 0 && b <= 1);
        assert.ok(b <= a + 1e-6, `n=${n}: sf(${lo})=${a} < sf(${hi})=${b}`);
      }),
      { numRuns: 200 },
    );
  });

  it('Wasserstein: zero on itself, symmetric, shift by c costs |c|, non-negative', () => {
    fc.assert(
      fc.property(sampleArb, sampleArb, fc.double({ min: -100, max: 100, noNaN: true }), (a, b, c) => {
        assert.equal(wassersteinDistance(a, a), 0);
        const d = wassersteinDistance(a, b);
        assert.ok(d >= 0);
        assert.ok(Math.abs(d - wassersteinDistance(b, a)) <= 1e-9 * (1 + d));
        const shifted = a.map((x) => x + c);
        const scale = Math.max(1, ...a.map(Math.abs));
        assert.ok(Math.abs(wassersteinDistance(a, shifted) - Math.abs(c)) <= 1e-9 * scale);
      }),
    );
  });

  it('Wasserstein: equal weights give the unweighted distance; triangle inequality holds', () => {
    fc.assert(
      fc.property(sampleArb, sampleArb, sampleArb, fc.double({ min: 0.1, max: 10, noNaN: true }), (a, b, c, w) => {
        const d = wassersteinDistance(a, b);
        const dw = wassersteinDistance(
          a,
          b,
          a.map(() => w),
          b.map(() => w),
        );
        assert.ok(Math.abs(d - dw) <= 1e-9 * (1 + d));
        assert.ok(d <= wassersteinDistance(a, c) + wassersteinDistance(c, b) + 1e-6 * (1 + d));
      }),
    );
  });

  it('PSI: non-negative, symmetric, 0 for proportional counts', () => {
    fc.assert(
      fc.property(countsPair(1), fc.integer({ min: 1, max: 9 }), ([r, c], m) => {
        const v = psi(r, c);
        assert.ok(v >= 0);
        assert.ok(Math.abs(v - psi(c, r)) < 1e-9 * (1 + v));
        assert.ok(
          psi(
            r,
            r.map((x) => x * m),
          ) < 1e-12,
        );
      }),
    );
  });

  it('Jensen-Shannon: in [0, sqrt(ln 2)] (natural log) and [0, 1] (base 2), symmetric, 0 on itself', () => {
    fc.assert(
      fc.property(countsPair(1), ([r, c]) => {
        const v = jensenShannonDistance(r, c);
        assert.ok(v >= 0 && v <= Math.sqrt(Math.LN2) + 1e-12);
        const v2 = jensenShannonDistance(r, c, 2);
        assert.ok(v2 >= 0 && v2 <= 1 + 1e-12);
        assert.ok(Math.abs(v - jensenShannonDistance(c, r)) < 1e-12);
        assert.ok(jensenShannonDistance(r, r) < 1e-7);
      }),
    );
  });

  it('chi-square: p in [0,1], statistic >= 0, live counts proportional to the reference give p = 1', () => {
    fc.assert(
      fc.property(countsPair(2), fc.integer({ min: 1, max: 9 }), ([r, c], m) => {
        const t = chiSquareTest(c, r);
        assert.ok(t.statistic >= 0 && t.pValue >= 0 && t.pValue <= 1);
        const same = chiSquareTest(
          r.map((x) => x * m),
          r,
        );
        assert.ok(same.statistic < 1e-9 && same.pValue > 1 - 1e-9);
      }),
    );
  });

  it('binNumeric: every value lands in exactly one bucket, as a linear scan puts it', () => {
    const edgesArb = fc.uniqueArray(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 2, maxLength: 12 }).map((e) => e.sort((x, y) => x - y));
    const valueArb = fc.oneof(fc.double({ min: -80, max: 80, noNaN: true }), fc.constant(Number.NaN), fc.integer({ min: -50, max: 50 }));
    fc.assert(
      fc.property(edgesArb, fc.array(valueArb, { maxLength: 200 }), (edges, values) => {
        fc.pre(edges.every((e, i) => i === 0 || edges[i - 1] < e));
        const r = binNumeric(Float64Array.from(values), edges);
        const k = edges.length - 1;
        const expected = new Array<number>(k).fill(0);
        let below = 0;
        let above = 0;
        let nulls = 0;
        for (const v of values) {
          if (!Number.isFinite(v)) nulls++;
          else if (v < edges[0]) below++;
          else if (v > edges[k]) above++;
          else if (v === edges[k]) expected[k - 1]++;
          else for (let b = 0; b < k; b++) if (edges[b] <= v && v < edges[b + 1]) expected[b]++;
        }
        assert.deepEqual(Array.from(r.counts), expected);
        assert.equal(r.below.count, below);
        assert.equal(r.above.count, above);
        assert.equal(r.nulls, nulls);
      }),
    );
  });
});
