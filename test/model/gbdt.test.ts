// GBDT trainer: accuracy against the logistic baseline, determinism, resume equality, missing/category handling.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Frame } from '../../src/data/frame';
import { assignBins, binEdges, orderCategories } from '../../src/model/binning';
import {
  createTrainer,
  featureImportance,
  GbdtCheckpoint,
  GbdtCheckpointMismatch,
  GbdtModel,
  GbdtTrainer,
  predictProba,
  trainGbdt,
} from '../../src/model/gbdt';
import { predictLogistic, trainLogistic, LogisticModel } from '../../src/model/logistic';
import { rocAuc } from '../../src/model/metrics';
import { syntheticFrame } from './synthetic';

const params = { rounds: 40, maxDepth: 4, minDataInLeaf: 20, learningRate: 0.15, maxBins: 32 };

describe('model/gbdt', function () {
  this.timeout(60_000);
  const train = syntheticFrame({ rows: 6000, seed: 11 });
  const holdout = syntheticFrame({ rows: 3000, seed: 12 });

  it('beats the logistic baseline clearly on a nonlinear problem, and both beat chance', () => {
    const gbdt = trainGbdt(train, params);
    const logistic = trainLogistic(train);
    const gbdtAuc = rocAuc(holdout.label, predictProba(gbdt, holdout)) ?? 0;
    const logisticAuc = rocAuc(holdout.label, predictLogistic(logistic, holdout)) ?? 0;
    assert.ok(logisticAuc > 0.55, `logistic AUC ${logisticAuc}`);
    assert.ok(gbdtAuc > logisticAuc + 0.1, `gbdt AUC ${gbdtAuc} vs logistic ${logisticAuc}`);
    assert.ok(gbdtAuc > 0.8, `gbdt AUC ${gbdtAuc}`);
    // The signal lives in x1, x2, c1; pure noise must not be among the top three.
    const top = featureImportance(gbdt).slice(0, 3).map((f) => f.feature);
    assert.ok(!top.includes('noise'), `top features ${top.join(',')}`);
    assert.deepEqual(LogisticModel.parse(JSON.parse(JSON.stringify(logistic))), logistic);
  });

  it('is deterministic for a seed, and the seed matters when rows are subsampled', () => {
    const p = { ...params, rounds: 12, subsample: 0.7, seed: 5 };
    const a = JSON.stringify(trainGbdt(train, p));
    const b = JSON.stringify(trainGbdt(train, p));
    const c = JSON.stringify(trainGbdt(train, { ...p, seed: 6 }));
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('produces plain JSON whose thresholds and leaf values are float32 and that round-trips through the schema', () => {
    const model = trainGbdt(train, { ...params, rounds: 8 });
    const parsed = GbdtModel.parse(JSON.parse(JSON.stringify(model)));
    assert.deepEqual(parsed, model);
    let splits = 0;
    for (const t of model.trees) {
      for (let i = 0; i < t.feature.length; i++) {
        assert.equal(Math.fround(t.threshold[i]), t.threshold[i]);
        assert.equal(Math.fround(t.value[i]), t.value[i]);
        if (t.feature[i] >= 0) splits++;
      }
    }
    assert.ok(splits > 8, 'trees should actually split');
    assert.equal(Math.fround(model.baseScore), model.baseScore);
  });

  for (const subsample of [1, 0.6]) {
    it(`resumed from a JSON checkpoint gives the identical model (subsample ${subsample})`, () => {
      const p = { ...params, rounds: 15, subsample };
      const straight = createTrainer(train, p);
      while (!straight.done) straight.round();

      const first = createTrainer(train, p);
      for (let i = 0; i < 6; i++) first.round();
      const saved: unknown = JSON.parse(JSON.stringify(first.checkpoint()));
      const resumed = GbdtTrainer.resume(train, p, GbdtCheckpoint.parse(saved));
      assert.equal(resumed.roundsDone, 6);
      while (!resumed.done) resumed.round();

      assert.equal(JSON.stringify(resumed.model()), JSON.stringify(straight.model()));
    });
  }

  it('can resume with more rounds than originally planned', () => {
    const short = createTrainer(train, { ...params, rounds: 5 });
    while (!short.done) short.round();
    const longer = GbdtTrainer.resume(train, { ...params, rounds: 9 }, short.checkpoint());
    while (!longer.done) longer.round();
    assert.equal(JSON.stringify(longer.model()), JSON.stringify(trainGbdt(train, { ...params, rounds: 9 })));
  });

  it('refuses a checkpoint from other params or another frame', () => {
    const t = createTrainer(train, { ...params, rounds: 3 });
    t.round();
    const cp = t.checkpoint();
    assert.throws(() => GbdtTrainer.resume(train, { ...params, rounds: 3, maxDepth: 5 }, cp), GbdtCheckpointMismatch);
    assert.throws(() => GbdtTrainer.resume(holdout, { ...params, rounds: 3 }, cp), GbdtCheckpointMismatch);
  });

  it('reports round progress and stops after the planned rounds', () => {
    const t = createTrainer(train, { ...params, rounds: 4, subsample: 0.5 });
    const stats = [];
    while (!t.done) stats.push(t.round());
    assert.deepEqual(
      stats.map((s) => s.round),
      [1, 2, 3, 4],
    );
    for (const s of stats) {
      assert.ok(s.rows > 0 && s.rows < train.rows, `sampled rows ${s.rows}`);
      assert.ok(s.leaves >= 2 && s.leaves <= 16);
      assert.ok(s.seconds >= 0 && Number.isFinite(s.rowsPerSecond));
    }
    assert.ok(stats[3].trainLogLoss < stats[0].trainLogLoss, 'training loss should fall');
    assert.throws(() => t.round(), /rounds are done/);
  });

  it('learns which side missing numeric values belong to', () => {
    // y = 1 exactly when x is missing, with present values on both sides of every threshold: only the missing
    // direction can separate the classes.
    const n = 400;
    const x = new Float32Array(n);
    const label = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (i % 4 === 0) {
        x[i] = NaN;
        label[i] = 1;
      } else x[i] = i / n;
    }
    const frame: Frame = { rows: n, label, features: [{ name: 'x', kind: 'numeric', values: x }] };
    const model = trainGbdt(frame, { rounds: 30, maxDepth: 2, minDataInLeaf: 5, learningRate: 0.3 });
    const p = predictProba(model, frame);
    for (let i = 0; i < n; i++) {
      if (label[i]) assert.ok(p[i] > 0.9, `missing row ${i}: ${p[i]}`);
      else assert.ok(p[i] < 0.1, `present row ${i}: ${p[i]}`);
    }
  });

  it('orders categories by smoothed target mean and treats NULL, empty string and unseen values alike', () => {
    const frame = syntheticFrame({ rows: 3000, seed: 21, emptyStringCategory: true });
    const c1 = frame.features[4];
    assert.equal(c1.kind, 'categorical');
    if (c1.kind !== 'categorical') return;
    const order = orderCategories(c1, frame.label);
    assert.ok(!order.includes(''), "'' must not be a category");
    const rate = (value: string) => {
      let pos = 0;
      let count = 0;
      for (let i = 0; i < frame.rows; i++) {
        if (c1.codes[i] >= 0 && c1.dictionary[c1.codes[i]] === value) {
          count++;
          pos += frame.label[i];
        }
      }
      return pos / count;
    };
    // With ~230 rows per category the smoothing hardly moves the means: the first is low, the last high.
    assert.ok(rate(order[0]) < rate(order[order.length - 1]));

    const model = trainGbdt(frame, { ...params, rounds: 10 });
    // Three copies of row 0 that differ only in c1: NULL, '' and a value never seen in training.
    const variants = ['null', '', 'never-seen'];
    const probe: Frame = {
      rows: 3,
      label: new Uint8Array(3),
      features: frame.features.map((col) => {
        if (col.kind === 'numeric') return { ...col, values: new Float32Array(3).fill(col.values[0]) };
        if (col.name !== 'c1') return { ...col, codes: new Int32Array(3).fill(col.codes[0]) };
        const dictionary = [...col.dictionary, 'never-seen'];
        return { ...col, dictionary, codes: Int32Array.from(variants.map((v) => (v === 'null' ? -1 : dictionary.indexOf(v)))) };
      }),
    };
    const p = predictProba(model, probe);
    assert.equal(p[1], p[0]);
    assert.equal(p[2], p[0]);
  });

  it('bin edges are float32, strictly increasing, at most maxBins - 1, and agree with v <= edge (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.float({ noNaN: false }), fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 4, max: 40 }),
        (raw, maxBins) => {
          const values = Float32Array.from(raw);
          const edges = binEdges(values, maxBins, 1);
          if (edges.length > maxBins - 1) return false;
          for (let i = 0; i < edges.length; i++) {
            if (Math.fround(edges[i]) !== edges[i] || !Number.isFinite(edges[i])) return false;
            if (i > 0 && !(edges[i - 1] < edges[i])) return false;
          }
          const bins = new Uint8Array(values.length);
          assignBins(values, edges, bins, 1, 0);
          for (let i = 0; i < values.length; i++) {
            const v = values[i];
            const b = bins[i];
            if (Number.isNaN(v)) {
              if (b !== edges.length + 1) return false;
              continue;
            }
            if (b < edges.length && !(v <= edges[b])) return false;
            if (b > 0 && !(v > edges[b - 1])) return false;
          }
          // Few distinct finite values: each gets a bin of its own.
          const present = Array.from(values).filter((v) => !Number.isNaN(v));
          if (!present.every(Number.isFinite)) return true;
          const distinct = new Set(present);
          return distinct.size > maxBins || edges.length === Math.max(distinct.size - 1, 0);
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });
});
