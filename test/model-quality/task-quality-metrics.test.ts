// Regression and multiclass quality metrics, the class-mix test and the per-task join against scikit-learn/SciPy on committed vectors (scripts/quality-task-vectors.py).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { joinPredictionsWithLabels, jsonlFiles } from '../../src/model-quality';
import { classMixTest, multiclassLive, regressionLive } from '../../src/model-quality/task-metrics';
import { close } from './vectors';
import { taskVectors, type MulticlassExpected, type RegressionExpected } from './task-vectors';

const SETTINGS = { significance: 0.01, classMixMargin: 0.05 };

function assertRegression(live: ReturnType<typeof regressionLive>, e: RegressionExpected, what: string): void {
  assert.equal(live.rows, e.rows, `${what} rows`);
  for (const k of ['rmse', 'mae', 'r2', 'meanTarget'] as const) close(live[k], e[k], `${what} ${k}`);
}

function assertMulticlass(live: ReturnType<typeof multiclassLive>, e: MulticlassExpected, what: string): void {
  assert.equal(live.rows, e.rows, `${what} rows`);
  for (const k of ['accuracy', 'logLoss', 'macroF1'] as const) close(live[k], e[k], `${what} ${k}`);
  e.observedShares.forEach((s, i) => close(live.observedShares[i], s, `${what} share ${i}`));
  const mix = classMixTest(live.observedShares, live.rows, e.classMix.expected, 'holdout', SETTINGS);
  close(mix.chiSquare, e.classMix.chiSquare, `${what} chi-square`);
  // 1 - CDF loses relative precision far in the tail; there it only has to be far below any level
  if (e.classMix.pValue > 1e-6) close(mix.pValue, e.classMix.pValue, `${what} p-value`);
  else assert.ok(mix.pValue < 1e-6, `${what} p-value ${mix.pValue}`);
}

describe('model quality per task: metrics and join vs scikit-learn', () => {
  it(`vectors come from ${taskVectors.generator}`, () => {
    assert.ok(taskVectors.metricCases.length >= 4 && taskVectors.scenarios.length >= 3);
  });

  for (const c of taskVectors.metricCases) {
    it(`metric case "${c.name}": ${c.task === 'regression' ? 'RMSE, MAE, R^2' : 'accuracy, log loss, macro-F1, class-mix chi-square'}`, () => {
      if (c.task === 'regression') assertRegression(regressionLive(c.target, c.prediction), c.expected, c.name);
      else assertMulticlass(multiclassLive(c.actual, c.probabilities.flat(), c.classes), c.expected, c.name);
    });
  }

  it('the class-mix test flags the shifted mix (significant and beyond the margin) and not the holdout mix', () => {
    const [same, shifted] = ['multiclass-holdout-mix', 'multiclass-shifted-mix'].map((n) => {
      const c = taskVectors.metricCases.find((x) => x.name === n);
      assert.ok(c && c.task === 'multiclass');
      const live = multiclassLive(c.actual, c.probabilities.flat(), c.classes);
      return classMixTest(live.observedShares, live.rows, taskVectors.holdoutShares, 'holdout', SETTINGS);
    });
    assert.ok(!same.significant && !same.beyondMargin, JSON.stringify(same));
    assert.ok(shifted.significant && shifted.beyondMargin, JSON.stringify(shifted));
  });

  it('R^2 with constant targets follows scikit-learn (1 when exact, else 0); a class expected at 0 that occurs is p = 0', () => {
    assert.equal(regressionLive([2, 2, 2], [2, 2, 2]).r2, 1);
    assert.equal(regressionLive([2, 2, 2], [2, 3, 2]).r2, 0);
    const mix = classMixTest([0.5, 0.5], 10, [1, 0], 'holdout', SETTINGS);
    assert.equal(mix.pValue, 0);
    assert.ok(Number.isFinite(mix.chiSquare), 'stored finite so the report stays JSON');
  });

  for (const s of taskVectors.scenarios) {
    it(`join of ${s.task} scenario "${s.name}": counts, joined rows and their metrics match the independent computation`, async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'quality-task-join-'));
      try {
        for (const [kind, records] of [
          ['capture', s.captures],
          ['labels', s.labels],
        ] as const) {
          await mkdir(path.join(dir, kind, 'tm'), { recursive: true });
          const half = Math.floor(records.length / 2);
          await writeFile(
            path.join(dir, kind, 'tm', 'a.jsonl'),
            records
              .slice(0, half)
              .map((r) => `${JSON.stringify(r)}\n`)
              .join(''),
          );
          await writeFile(
            path.join(dir, kind, 'tm', 'b.jsonl'),
            records
              .slice(half)
              .map((r) => `${JSON.stringify(r)}\n`)
              .join(''),
          );
        }
        const joined = await joinPredictionsWithLabels({
          captureFiles: await jsonlFiles(path.join(dir, 'capture', 'tm')),
          labelFiles: await jsonlFiles(path.join(dir, 'labels', 'tm')),
          window: s.window,
          version: s.version,
          task: { task: s.task, ...(s.classes ? { classes: s.classes } : {}) },
        });
        assert.deepEqual(joined.counts, s.expected.counts);
        assert.deepEqual(Array.from(joined.output ?? []), s.expected.output);
        assert.deepEqual(Array.from(joined.target ?? []), s.expected.target);
        if (s.task === 'regression') assertRegression(regressionLive(joined.target ?? [], joined.output ?? []), s.expected.metrics as RegressionExpected, s.name);
        else assertMulticlass(multiclassLive(joined.target ?? [], joined.output ?? [], s.classes ?? []), s.expected.metrics as MulticlassExpected, s.name);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
