// Every live metric and the join against values computed independently (scikit-learn, SciPy, plain Python) on committed vectors.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { joinPredictionsWithLabels, jsonlFiles, liveMetrics, positiveRateTest } from '../../src/model-quality';
import { close, scenario, vectors, writeScenario, type ExpectedMetrics } from './vectors';
import type { LiveMetrics, PositiveRateTest } from '../../src/model-quality';

function assertMetrics(live: LiveMetrics, rate: PositiveRateTest, e: ExpectedMetrics, what: string): void {
  assert.equal(live.rows, e.rows, `${what} rows`);
  assert.equal(live.positives, e.positives, `${what} positives`);
  for (const k of ['observedRate', 'meanPredicted', 'auc', 'prAuc', 'logLoss', 'brier', 'accuracy', 'precision', 'recall'] as const) close(live[k], e[k], `${what} ${k}`);
  assert.equal(live.calibration.length, e.calibration.length, `${what} calibration bins`);
  live.calibration.forEach((b, i) => {
    const x = e.calibration[i];
    assert.deepEqual([b.lower, b.upper, b.count], [x.lower, x.upper, x.count], `${what} bin ${i}`);
    close(b.meanPredicted, x.meanPredicted, `${what} bin ${i} mean predicted`);
    close(b.fractionPositive, x.fractionPositive, `${what} bin ${i} fraction positive`);
  });
  close(rate.z, e.positiveRate.z, `${what} z`);
  // 1 - CDF loses relative precision far in the tail; what matters there is that p is far below any level.
  if (e.positiveRate.pValue > 1e-6) close(rate.pValue, e.positiveRate.pValue, `${what} p-value`, 1e-7);
  else assert.ok(rate.pValue < 1e-6, `${what} p-value ${rate.pValue}`);
}

describe('model quality: metrics and join vs scikit-learn', () => {
  it(`vectors come from ${vectors.generator}`, () => {
    assert.ok(vectors.metricCases.length >= 3 && vectors.scenarios.length >= 3);
  });

  for (const c of vectors.metricCases) {
    it(`metric case "${c.name}" (${c.label.length} rows, ties, threshold ${c.expected.threshold}): AUC, PR AUC, log loss, Brier, accuracy/precision/recall, calibration, z test`, () => {
      const live = liveMetrics(c.label, c.probability, c.expected.threshold);
      const rate = positiveRateTest(c.label, c.probability, { significance: 0.01, positiveRateMargin: 0.02 });
      assertMetrics(live, rate, c.expected, c.name);
    });
  }

  for (const name of ['degraded', 'clean', 'sparse']) {
    it(`join of scenario "${name}": counts, joined rows and their metrics match the independent computation`, async () => {
      const s = scenario(name);
      const dir = await mkdtemp(path.join(os.tmpdir(), 'quality-join-'));
      try {
        await writeScenario(dir, 'qm', s);
        const joined = await joinPredictionsWithLabels({
          captureFiles: await jsonlFiles(path.join(dir, 'capture', 'qm')),
          labelFiles: await jsonlFiles(path.join(dir, 'labels', 'qm')),
          window: s.window,
          version: s.version,
        });
        assert.deepEqual(joined.counts, s.expected.counts);
        assert.deepEqual(Array.from(joined.probability), s.expected.probability);
        assert.deepEqual(Array.from(joined.label), s.expected.label);
        const live = liveMetrics(joined.label, joined.probability, 0.5);
        assertMetrics(live, positiveRateTest(joined.label, joined.probability, { significance: 0.01, positiveRateMargin: 0.02 }), s.expected.metrics, name);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it("positive-rate test against the holdout's gap: a known miscalibration alone is no violation, a change from it is", () => {
    const c = vectors.metricCases.find((x) => x.name === 'shifted');
    assert.ok(c);
    const zero = positiveRateTest(c.label, c.probability, { significance: 0.01, positiveRateMargin: 0.02 });
    assert.ok(zero.significant && zero.beyondMargin, 'the shifted case is miscalibrated by several points');
    // the same miscalibration seen at holdout time: expected, so neither significant nor beyond the margin
    const same = positiveRateTest(c.label, c.probability, { significance: 0.01, positiveRateMargin: 0.02 }, zero.gap);
    assert.ok(Math.abs(same.z) < 0.5 && !same.beyondMargin, JSON.stringify(same));
    // a holdout gap 5 points away from the live one: flagged, with z computed from q = p + gap by hand here
    const g = zero.gap - 0.05;
    const moved = positiveRateTest(c.label, c.probability, { significance: 0.01, positiveRateMargin: 0.02 }, g);
    let y = 0;
    let q = 0;
    let v = 0;
    c.probability.forEach((p, i) => {
      const qi = Math.min(1, Math.max(0, p + g));
      y += c.label[i];
      q += qi;
      v += qi * (1 - qi);
    });
    close(moved.z, (y - q) / Math.sqrt(v), 'z against the holdout gap');
    assert.ok(moved.significant && moved.beyondMargin);
  });

  it('no files, or files without any labeled row in the window: zero counts, empty arrays', async () => {
    const empty = await joinPredictionsWithLabels({ captureFiles: [], labelFiles: [], window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z' }, version: 1 });
    assert.deepEqual(empty.counts, { predictions: 0, labeled: 0, otherVersions: [], labelIds: 0, unmatchedLabels: 0, relabeledIds: 0, repeatedIds: 0 });
    assert.equal(empty.probability.length, 0);
  });
});

describe('model quality: labels are bound to the key that made the prediction', () => {
  it("another key's label is not applied (unmatched); the predicting key's own and an admin key's are", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'quality-bind-'));
    try {
      const cap = path.join(dir, 'capture');
      const lab = path.join(dir, 'labels');
      await mkdir(cap);
      await mkdir(lab);
      const ts = '2026-01-05T00:00:00.000Z';
      const capture = (id: string, p: number) => JSON.stringify({ ts, model: 'qm', version: 1, api: 'v1', request_id: 'r', key_id: 'alice', row: 0, id, probability: p, label: 0, features: {} });
      await writeFile(path.join(cap, 'a.jsonl'), `${[capture('x1', 0.2), capture('x2', 0.4), capture('x3', 0.6)].join('\n')}\n`);
      const label = (id: string, key: string, value: number, n: number, admin = false) =>
        JSON.stringify({ ts: '2026-01-05T01:00:00.000Z', model: 'qm', key_id: key, ...(admin ? { admin: true } : {}), n, id, label: value });
      // mallory (a user key) labels alice's x1 and x2; alice labels x2 herself; the admin labels x3
      await writeFile(path.join(lab, 'a.jsonl'), `${[label('x1', 'mallory', 1, 0), label('x2', 'mallory', 1, 5), label('x2', 'alice', 0, 2), label('x3', 'root', 1, 3, true)].join('\n')}\n`);
      const joined = await joinPredictionsWithLabels({
        captureFiles: await jsonlFiles(cap),
        labelFiles: await jsonlFiles(lab),
        window: { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' },
        version: 1,
      });
      assert.equal(joined.counts.predictions, 3);
      assert.equal(joined.counts.labeled, 2);
      assert.deepEqual(
        [Array.from(joined.probability), Array.from(joined.label)],
        [
          [0.4, 0.6],
          [0, 1],
        ],
        "x2 keeps alice's 0 although mallory sent 1 after it",
      );
      assert.equal(joined.counts.unmatchedLabels, 2, "mallory's labels match none of her own predictions");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
