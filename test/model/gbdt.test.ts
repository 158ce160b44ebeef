// GBDT trainer: accuracy against the logistic baseline, determinism, resume equality, missing/category handling.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Frame } from '../../src/data/frame';
import { assignBins, binEdges } from '../../src/model/binning';
import { categoryCodeLookup, chooseCategories } from '../../src/model/categorical';
import { mulberry32 } from '../../src/model/prng';
import { createTrainer, featureImportance, GbdtCheckpoint, GbdtCheckpointMismatch, GbdtModel, GbdtTrainer, predictProba, trainGbdt } from '../../src/model/gbdt';
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
    const top = featureImportance(gbdt)
      .slice(0, 3)
      .map((f) => f.feature);
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
    assert.ok(model.kind === 'gbdt-binary');
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
    assert.ok((stats[3].trainLogLoss ?? NaN) < (stats[0].trainLogLoss ?? NaN), 'training loss should fall');
    assert.equal(stats[3].trainLoss, stats[3].trainLogLoss);
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

  it('keeps every category in its own bin: NULL and empty string are one MISSING code, unseen values the OTHER code', () => {
    const frame = syntheticFrame({ rows: 3000, seed: 21, emptyStringCategory: true });
    const c1 = frame.features[4];
    assert.equal(c1.kind, 'categorical');
    if (c1.kind !== 'categorical') return;
    const kept = chooseCategories(c1);
    assert.ok(!kept.includes(''), "'' must not be a category");
    assert.equal(kept.length, 12, 'each of the 12 real categories keeps a bin');
    const lookup = categoryCodeLookup([...c1.dictionary, 'never-seen'], kept);
    assert.equal(lookup[c1.dictionary.indexOf('')], kept.length + 1, "'' is MISSING");
    assert.equal(lookup[c1.dictionary.length], kept.length, 'an unseen value is OTHER');

    const model = trainGbdt(frame, { ...params, rounds: 10 });
    assert.equal(model.formatVersion, 2);
    // Copies of row 0 that differ only in c1: NULL, '' (both MISSING), and a value never seen in training (OTHER).
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
    assert.equal(p[1], p[0], "NULL and '' predict alike");
    // OTHER held no training rows, so it is in no split's left set: it goes right at every c1 node.
    let c1Splits = 0;
    for (const t of model.trees) {
      t.categories?.forEach((set, node) => {
        if (t.feature[node] !== 4) return;
        c1Splits++;
        assert.ok(!set.includes(kept.length), 'OTHER never goes left');
      });
    }
    assert.ok(c1Splits > 0, 'c1 is used');
  });

  it('finds many-vs-many category splits that one threshold on any fixed order cannot', () => {
    // 60 categories, the positive ones scattered: two leaves per tree separate them only by set membership.
    const n = 12_000;
    const rand = mulberry32(5);
    const dictionary = Array.from({ length: 60 }, (_, i) => `cat${String(i).padStart(2, '0')}`);
    const positive = dictionary.map((_, i) => (i * 37) % 7 < 3);
    const codes = new Int32Array(n);
    const label = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      codes[i] = Math.floor(rand() * dictionary.length);
      label[i] = rand() < (positive[codes[i]] ? 0.85 : 0.15) ? 1 : 0;
    }
    const frame: Frame = { rows: n, label, features: [{ name: 'c', kind: 'categorical', codes, dictionary }] };
    const model = trainGbdt(frame, { rounds: 3, maxDepth: 1, minDataInLeaf: 20, learningRate: 0.5 });
    const auc = rocAuc(label, predictProba(model, frame)) ?? 0;
    assert.ok(auc > 0.83, `depth-1 trees on one categorical feature reach AUC ${auc}`);
    assert.ok((model.trees[0].categories?.[0].length ?? 0) > 1, 'the root sends a set of categories left');
  });

  it('makes the same model to the last bit on one thread or two (ranges big enough to be split)', () => {
    const big = syntheticFrame({ rows: 60_000, seed: 3 });
    const p = { ...params, rounds: 6, subsample: 0.8 };
    const one = trainGbdt(big, p, undefined, { threads: 1 });
    const two = trainGbdt(big, p, undefined, { threads: 2 });
    assert.equal(JSON.stringify(two), JSON.stringify(one));
  });

  describe('early stopping', () => {
    // Labels are pure noise: the validation loss stops improving after a few rounds.
    const n = 4000;
    const rand = mulberry32(9);
    const noise: Frame = {
      rows: n,
      label: Uint8Array.from({ length: n }, () => (rand() < 0.4 ? 1 : 0)),
      features: [
        { name: 'x', kind: 'numeric', values: Float32Array.from({ length: n }, () => rand()) },
        { name: 'c', kind: 'categorical', codes: Int32Array.from({ length: n }, () => Math.floor(rand() * 30)), dictionary: Array.from({ length: 30 }, (_, i) => `v${i}`) },
      ],
    };
    const p = { rounds: 200, maxDepth: 6, minDataInLeaf: 5, learningRate: 0.3, earlyStoppingRounds: 5 };

    it('is off by default: every round runs and no trees are dropped', () => {
      const model = trainGbdt(noise, { ...p, earlyStoppingRounds: undefined, rounds: 30 });
      assert.equal(model.trees.length, 30);
      assert.equal(model.earlyStopping, undefined);
    });

    it('stops once the validation loss has not improved for the patience, keeping the trees up to the best round', () => {
      const t = createTrainer(noise, p);
      const losses: number[] = [];
      while (!t.done) losses.push(t.round().validationLogLoss ?? NaN);
      const model = t.model();
      t.close();
      const es = model.earlyStopping;
      assert.ok(es && 'bestValidationLogLoss' in es, 'the model reports early stopping as binary models always did');
      assert.ok(es.roundsRun < 200, `stopped after ${es.roundsRun} rounds`);
      assert.equal(es.roundsRun - es.bestRound, 5);
      assert.equal(model.trees.length, es.bestRound);
      assert.ok(es.validationRows > 300 && es.validationRows < 500, `${es.validationRows} validation rows`);
      // The kept round is the one with the lowest validation loss (or none, when no tree ever helped).
      if (es.bestRound > 0) {
        assert.equal(losses[es.bestRound - 1], Math.min(...losses));
        assert.equal(es.bestValidationLogLoss, losses[es.bestRound - 1]);
      } else assert.ok(losses.every((l) => l >= es.bestValidationLogLoss));
    });

    it('resumes to the same stopping point and model', () => {
      const straight = trainGbdt(noise, p);
      const first = createTrainer(noise, p);
      for (let i = 0; i < 3 && !first.done; i++) first.round();
      const resumed = GbdtTrainer.resume(noise, p, GbdtCheckpoint.parse(JSON.parse(JSON.stringify(first.checkpoint()))));
      first.close();
      while (!resumed.done) resumed.round();
      assert.equal(JSON.stringify(resumed.model()), JSON.stringify(straight));
      resumed.close();
    });
  });

  it('bin edges are float32, strictly increasing, at most maxBins - 1, and agree with v <= edge (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.float({ noNaN: false }), fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 300 }), fc.integer({ min: 4, max: 40 }), (raw, maxBins) => {
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
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
