// Every drift statistic against SciPy/NumPy reference values: |ours - scipy| <= 1e-6 on every case.

import * as assert from 'node:assert/strict';
import {
  binNumeric,
  chiSquareTest,
  jensenShannonDistance,
  kolmogorovSf,
  ksFromBinned,
  ksTwoSample,
  psi,
  smirnovSf,
  wassersteinDistance,
  wassersteinFromBinned,
  wassersteinNormed,
  wassersteinNormedFromBinned,
  type BinnedNumeric,
  type KsMode,
} from '../../src/drift/stats';
import { DeviationLog, loadVectors, sample, type BinnedJson } from './vectors';

const TOL = 1e-6;
const v = loadVectors();
const log = new DeviationLog();

function close(stat: string, ours: number, expected: number, where: string): void {
  const dev = log.record(stat, ours, expected, where);
  assert.ok(dev <= TOL, `${stat} ${where}: ours ${ours} vs scipy ${expected} (|diff| ${dev})`);
}

function binned(edges: number[], b: BinnedJson): BinnedNumeric {
  return { edges, counts: b.counts, below: b.below, above: b.above };
}

describe(`drift statistics vs SciPy ${v.scipy} vectors`, () => {
  after(() => {
    console.log(`    max |ours - scipy| per statistic (tolerance ${TOL}):\n${log.report()}`);
  });

  it(`kolmogorov distribution sf (kstwo.sf), ${v.kolmogorov.length} (n, x) points over every regime`, () => {
    for (const c of v.kolmogorov) close('kstwo.sf', kolmogorovSf(c.n, c.x), c.sf, `n=${c.n} x=${c.x}`);
  });

  it(`one-sided smirnov sf, ${v.smirnov.length} points`, () => {
    for (const c of v.smirnov) close('smirnov', smirnovSf(c.n, c.x), c.sf, `n=${c.n} x=${c.x}`);
  });

  for (const c of v.ks) {
    it(`ks_2samp: ${c.name}`, () => {
      const a = sample(c.a);
      const b = sample(c.b);
      for (const mode of ['auto', 'asymp', 'exact'] as KsMode[]) {
        const exp = c.results[mode];
        if (!exp) continue;
        assert.equal(exp.scipyFellBack, false, 'SciPy fell back from exact: the vector would not test the exact path');
        const r = ksTwoSample(a, b, mode);
        close('ks statistic', r.statistic, exp.statistic, `${c.name} ${mode}`);
        close(`ks p-value (${r.mode})`, r.pValue, exp.pvalue, `${c.name} ${mode}`);
      }
    });
  }

  for (const c of v.ksBinned) {
    it(`ks from histograms equals ks_2samp on the raw integers: ${c.name}`, () => {
      const ref = binned(c.edges, c.reference);
      const cur = binned(c.edges, c.current);
      for (const mode of ['auto', 'asymp'] as const) {
        const r = ksFromBinned(ref, cur, mode);
        close('ks binned statistic', r.statistic, c[mode].statistic, `${c.name} ${mode}`);
        close('ks binned p-value', r.pValue, c[mode].pvalue, `${c.name} ${mode}`);
      }
    });
  }

  for (const c of v.wasserstein) {
    it(`wasserstein_distance: ${c.name}`, () => {
      const d = wassersteinDistance(c.u, c.v, c.uWeights, c.vWeights);
      close(c.uWeights ? 'wasserstein weighted' : 'wasserstein', d, c.distance, c.name);
      if (c.normed !== undefined) close('wasserstein normed', wassersteinNormed(c.u, c.v), c.normed, c.name);
    });
  }

  for (const c of v.wassersteinBinned) {
    it(`wasserstein on histograms = scipy with midpoint weights: ${c.name}`, () => {
      const ref = binned(c.edges, c.reference);
      const cur = binned(c.edges, c.current);
      close('wasserstein binned', wassersteinFromBinned(ref, cur), c.distance, c.name);
      close('wasserstein binned normed', wassersteinNormedFromBinned(ref, cur), c.normedMidpointStd, c.name);
      close('wasserstein binned normed', wassersteinNormedFromBinned(ref, cur, c.referenceStd), c.normedGivenStd, c.name);
      // The documented approximation bound: at most the largest bin width away from the raw-sample value.
      const width = c.edges[1] - c.edges[0];
      assert.ok(Math.abs(wassersteinFromBinned(ref, cur) - c.sampleDistance) <= width);
    });
  }

  for (const c of v.counts) {
    it(`psi / jensenshannon / chisquare on counts: ${c.name}`, () => {
      close('psi', psi(c.reference, c.current, v.epsilon), c.psi, c.name);
      close('jensenshannon', jensenShannonDistance(c.reference, c.current), c.jensenshannon, c.name);
      close('jensenshannon base 2', jensenShannonDistance(c.reference, c.current, 2), c.jensenshannonBase2, c.name);
      const chi = chiSquareTest(c.current, c.reference, v.epsilon);
      close('chisquare statistic', chi.statistic, c.chisquare.statistic, c.name);
      close('chisquare p-value', chi.pValue, c.chisquare.pvalue, c.name);
      assert.equal(chi.degreesOfFreedom, c.chisquare.dof);
    });
  }

  for (const c of v.binning) {
    it('binNumeric matches numpy.histogram, with tails and non-finite values as nulls', () => {
      const values = Float64Array.from(c.values, (x) => (x === null ? Number.NaN : x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : x));
      const r = binNumeric(values, c.edges);
      assert.deepEqual(Array.from(r.counts), c.counts);
      assert.equal(r.below.count, c.below.count);
      assert.equal(r.above.count, c.above.count);
      close('binning tail sums', r.below.sum, c.below.sum, 'below');
      close('binning tail sums', r.above.sum, c.above.sum, 'above');
      assert.equal(r.nulls, c.nulls);
    });
  }
});
