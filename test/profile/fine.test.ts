// Fine distributions: exact counts up to the cap, exact-edge bins past it, and merging both kinds.
import * as assert from 'node:assert/strict';
import { cdfOf, ksStatisticFine } from '../../src/drift/stats';
import { categoryDistribution, mergeCategoryDistributions, mergeNumericDistributions, numericDistribution } from '../../src/profile';

/** Ascending distinct values and counts of a sample. */
function counted(xs: number[]): { values: number[]; counts: number[] } {
  const m = new Map<number, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  const values = [...m.keys()].sort((a, b) => a - b);
  return { values, counts: values.map((v) => m.get(v) ?? 0) };
}

/** A seeded sample of continuous values (squares of a LCG, so skewed). */
function sample(seed: number, n: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    const u = s / 4294967296;
    return u * u * 100;
  });
}

describe('fine distributions', () => {
  it('exact while the distinct values stay within the cap; exact + exact merges by value', () => {
    const a = numericDistribution([1, 2, 3], [2, 1, 1], 10, 4);
    const b = numericDistribution([2, 5], [3, 1], 10, 4);
    assert.deepEqual(mergeNumericDistributions(a, b, 10, 4), { kind: 'exact', values: [1, 2, 3, 5], counts: [2, 4, 1, 1] });
    // Past the cap the merge becomes bins.
    const m = mergeNumericDistributions(a, b, 3, 2);
    assert.equal(m.kind, 'bins');
  });

  it('merging the bins of two halves keeps counts, sums and extremes exact, and the CDF within the stated rank error', () => {
    const xa = sample(1, 30_000);
    const xb = sample(2, 20_000);
    const whole = counted([...xa, ...xb]);
    const a = numericDistribution(counted(xa).values, counted(xa).counts, 1000, 256);
    const b = numericDistribution(counted(xb).values, counted(xb).counts, 1000, 256);
    const m = mergeNumericDistributions(a, b, 1000, 256);
    assert.ok(a.kind === 'bins' && m.kind === 'bins');
    assert.equal(
      m.counts.reduce((s, c) => s + c, 0),
      50_000,
    );
    const sum = [...xa, ...xb].reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(m.sums.reduce((s, x) => s + x, 0) - sum) < 1e-6 * sum);
    assert.equal(m.lo[0], whole.values[0]);
    assert.equal(m.hi[m.hi.length - 1], whole.values[whole.values.length - 1]);
    for (let i = 1; i < m.lo.length; i++) assert.ok(m.lo[i] >= m.lo[i - 1], 'sorted by lo (bins of the two halves may overlap)');
    assert.ok(m.lo.length <= 3 * 256);
    const exact = cdfOf({ kind: 'exact', ...whole });
    const d = ksStatisticFine(exact, cdfOf(m));
    assert.ok(d <= m.rankError, `sup |F_merged - F_exact| = ${d} > rank error ${m.rankError}`);
    assert.ok(m.rankError < 0.01);
  });

  it('categories: every one up to the cap, the rest as other; merges add counts and stay complete only if both were', () => {
    const a = categoryDistribution(
      [
        { value: 'x', count: 3 },
        { value: 'y', count: 5 },
        { value: 'z', count: 1 },
      ],
      2,
    );
    assert.deepEqual(a, {
      categories: [
        { value: 'y', count: 5 },
        { value: 'x', count: 3 },
      ],
      otherCount: 1,
      complete: false,
    });
    const b = categoryDistribution([{ value: 'x', count: 4 }], 2);
    assert.deepEqual(mergeCategoryDistributions(a, b, 3), {
      categories: [
        { value: 'x', count: 7 },
        { value: 'y', count: 5 },
      ],
      otherCount: 1,
      complete: false,
    });
    const c = mergeCategoryDistributions(b, categoryDistribution([{ value: 'w', count: 1 }], 5), 5);
    assert.deepEqual(c, {
      categories: [
        { value: 'x', count: 4 },
        { value: 'w', count: 1 },
      ],
      otherCount: 0,
      complete: true,
    });
  });
});
