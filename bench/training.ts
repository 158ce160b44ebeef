// Training bench: our GBDT beside LightGBM (same rows, split and hyper-parameters, 1 and 2 threads) on the flights data,
// beside the logistic baseline on two small datasets with nulls, and per task: regression on the flights delay minutes,
// multiclass on penguins species and Seattle's weather, each beside LightGBM.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from '../src/data/frame';
import { ingestSnapshot } from '../src/data/ingest';
import { loadSplitFrames } from '../src/data/load-frame';
import { GbdtTrainer, predictModel, predictProba, type GbdtModel, type GbdtTask } from '../src/model/gbdt';
import { multiclassLogLoss, predictedClasses } from '../src/model/metrics-multiclass';
import { rmse } from '../src/model/metrics-regression';
import { predictLogistic, trainLogistic } from '../src/model/logistic';
import { majorityBaseline, rocAuc } from '../src/model/metrics';
import { exportOnnx } from '../src/model/onnx-export';
import { checkParity } from '../src/model/parity';
import { loadSpec, parseSpec, type DatasetSpec } from '../src/spec/dataset';
import type { Figure } from './figure';
import { runLightGbm, type PeerOutcome, type PeerTask } from './peers/lightgbm';
import { moviesSpec } from './movies';

const ROOT = path.resolve(__dirname, '..', '..');

interface Loaded {
  spec: DatasetSpec;
  train: Frame;
  holdout: Frame;
  /** Multiclass: the classes in label order (from the snapshot manifest). */
  classes?: (string | number | boolean)[];
}

async function load(dir: string, key: string, specPath: string, edit: (s: DatasetSpec) => unknown = (s) => s): Promise<Loaded> {
  const { spec: shipped, file } = await loadSpec(specPath, ROOT);
  const spec = parseSpec(edit(shipped));
  const manifest = await ingestSnapshot({ spec, specFile: file, outDir: dir, runKey: key });
  const { train, holdout } = await loadSplitFrames(manifest.path, spec);
  return { spec, train, holdout, ...(manifest.classes ? { classes: manifest.classes } : {}) };
}

interface Trained {
  model: GbdtModel;
  /** Binning and setup (create) apart from boosting (rounds), like LightGBM's Dataset construction and train. */
  prepareSeconds: number;
  roundSeconds: number;
  /** CPU seconds of this process while boosting (both threads). */
  roundCpuSeconds: number;
  rows: number;
}

function train(frame: Frame, spec: DatasetSpec, log: (line: string) => void, task?: GbdtTask): Trained {
  const t0 = process.hrtime.bigint();
  const trainer = GbdtTrainer.create(frame, spec.model, task ? { task } : {});
  const prepareSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let roundSeconds = 0;
  let rows = 0;
  const cpu0 = process.cpuUsage();
  try {
    while (!trainer.done) {
      const s = trainer.round();
      roundSeconds += s.seconds;
      rows += s.rows;
      if (s.round % 25 === 0) log(`round ${s.round}: ${(s.seconds * 1000).toFixed(0)} ms, train loss ${s.trainLoss.toFixed(4)}`);
    }
    const cpu = process.cpuUsage(cpu0);
    return { model: trainer.model(), prepareSeconds, roundSeconds, roundCpuSeconds: (cpu.user + cpu.system) / 1e6, rows };
  } finally {
    trainer.close();
  }
}

const auc = (label: Uint8Array, p: ArrayLike<number>) => rocAuc(label, p) ?? NaN;

function peerRun(peer: PeerOutcome, threads: number) {
  return peer.ok ? peer.runs.find((r) => r.threads === threads) : undefined;
}

export async function benchTraining(log: (line: string) => void = () => undefined): Promise<Figure[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlp-bench-train-'));
  const figures: Figure[] = [];
  try {
    // The bench split: all 3M rows, train Jan-Mar, holdout Apr-Jun; flights.json as shipped: the same training rows, April holdout.
    const big = await load(dir, 'bench', 'datasets/flights.json', (s) => ({ ...s, name: 'flights-bench', source: { ...s.source, where: undefined } }));
    const april = await load(dir, 'april', 'datasets/flights.json');
    if (april.train.rows !== big.train.rows) throw new Error(`flights.json trains on ${april.train.rows} rows, the bench split on ${big.train.rows}`);
    log(
      `train ${big.train.rows} rows (Jan-Mar), holdouts: Apr-Jun ${big.holdout.rows}, April ${april.holdout.rows}; ${os.cpus().length} cores, load ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );

    const ours = train(big.train, big.spec, log);
    const oursAprJun = auc(big.holdout.label, predictProba(ours.model, big.holdout));
    const oursApril = auc(april.holdout.label, predictProba(ours.model, april.holdout));
    const logistic = trainLogistic(big.train);
    const lrAprJun = auc(big.holdout.label, predictLogistic(logistic, big.holdout));
    const lrApril = auc(april.holdout.label, predictLogistic(logistic, april.holdout));
    const parity = await checkParity(ours.model, exportOnnx(ours.model), big.holdout, 5000);

    log('LightGBM on the same rows, split and hyper-parameters...');
    const peer = await runLightGbm({
      train: big.train,
      holdouts: [
        { name: 'aprjun', frame: big.holdout },
        { name: 'april', frame: april.holdout },
      ],
      params: big.spec.model,
      threads: [1, 2],
    });
    if (!peer.ok) log(`LightGBM peer skipped: ${peer.reason}`);
    else log(`LightGBM ${peer.version}`);
    const one = peerRun(peer, 1);
    const two = peerRun(peer, 2);
    const rounds = big.spec.model.rounds;
    const note = `${big.train.rows} rows x ${big.train.features.length} features, ${rounds} rounds, depth ${big.spec.model.maxDepth}`;

    figures.push(
      one
        ? {
            name: 'train.auc.april (flights.json)',
            value: oursApril,
            unit: 'AUC',
            baseline: { name: 'LightGBM', value: auc(april.holdout.label, one.predictions.april) },
            note: `difference ${(oursApril - auc(april.holdout.label, one.predictions.april)).toFixed(4)}`,
          }
        : { name: 'train.auc.april (flights.json)', value: oursApril, unit: 'AUC' },
      one
        ? {
            name: 'train.auc.aprjun (bench split)',
            value: oursAprJun,
            unit: 'AUC',
            baseline: { name: 'LightGBM', value: auc(big.holdout.label, one.predictions.aprjun) },
            note: `difference ${(oursAprJun - auc(big.holdout.label, one.predictions.aprjun)).toFixed(4)}`,
          }
        : { name: 'train.auc.aprjun (bench split)', value: oursAprJun, unit: 'AUC' },
      { name: 'train.auc.april vs logistic', value: oursApril, unit: 'AUC', baseline: { name: 'logistic regression', value: lrApril } },
      {
        name: 'train.auc.aprjun vs logistic',
        value: oursAprJun,
        unit: 'AUC',
        baseline: { name: 'logistic regression', value: lrAprJun },
        note: `majority ${majorityBaseline(big.holdout.label, big.train.label).auc ?? 0.5}`,
      },
    );
    if (one) figures.push({ name: 'train.rounds.seconds vs LightGBM 1 thread', value: ours.roundSeconds, unit: 's', baseline: { name: 'LightGBM 1 thread', value: one.trainSeconds }, note });
    if (two) figures.push({ name: 'train.rounds.seconds vs LightGBM 2 threads', value: ours.roundSeconds, unit: 's', baseline: { name: 'LightGBM 2 threads', value: two.trainSeconds } });
    // On a shared machine wall time mostly measures the neighbours; CPU time is what each trainer itself spent.
    if (one)
      figures.push({
        name: 'train.rounds.cpuSeconds vs LightGBM 1 thread',
        value: ours.roundCpuSeconds,
        unit: 'cpu s',
        baseline: { name: 'LightGBM 1 thread', value: one.trainCpuSeconds },
        note: 'ours: both threads added up',
      });
    if (one) {
      figures.push({
        name: 'train.binning+rounds vs LightGBM 1 thread',
        value: ours.prepareSeconds + ours.roundSeconds,
        unit: 's',
        baseline: { name: 'LightGBM construct+train', value: one.constructSeconds + one.trainSeconds },
        note: `ours binning ${ours.prepareSeconds.toFixed(2)} s, LightGBM construct ${one.constructSeconds.toFixed(2)} s`,
      });
    }
    figures.push(
      { name: 'train.gbdt.msPerRound', value: (ours.roundSeconds * 1000) / rounds, unit: 'ms', note },
      { name: 'train.gbdt.rowsPerSecond', value: ours.rows / ours.roundSeconds, unit: 'rows/s', note: 'rows visited per second of boosting' },
      { name: 'train.onnx.parity.maxAbsDiff', value: parity.maxAbsDiff, unit: '', note: `${parity.rows} rows, limit 1e-5` },
    );

    // Small data: the trees must not lose to the logistic baseline where there is little to learn from.
    const small: [string, Loaded][] = [
      ['flights-small', await load(dir, 'small', 'datasets/flights-small.json')],
      ['movies (nulls)', await load(dir, 'movies', await moviesSpec(dir))],
    ];
    for (const [name, d] of small) {
      const m = train(d.train, d.spec, () => undefined).model;
      const ourAuc = auc(d.holdout.label, predictProba(m, d.holdout));
      const lr = auc(d.holdout.label, predictLogistic(trainLogistic(d.train), d.holdout));
      const lgb = await runLightGbm({ train: d.train, holdouts: [{ name: 'h', frame: d.holdout }], params: d.spec.model, threads: [1] });
      const lgbNote = lgb.ok ? `, LightGBM ${auc(d.holdout.label, lgb.runs[0].predictions.h).toFixed(4)}` : '';
      figures.push({
        name: `train.auc.${name} vs logistic`,
        value: ourAuc,
        unit: 'AUC',
        baseline: { name: 'logistic regression', value: lr },
        note: `${d.train.rows} train / ${d.holdout.rows} holdout rows${lgbNote}`,
      });
    }
    figures.push(...(await benchRegression(dir, log)), ...(await benchMulticlass(dir, log)));
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A shipped spec when the tree has it, else the same spec derived here (so the bench runs before the specs ship). */
async function loadShipped(dir: string, key: string, shipped: string, fallback: string, edit: (s: DatasetSpec) => unknown): Promise<Loaded> {
  return existsSync(path.join(ROOT, shipped)) ? load(dir, key, shipped) : load(dir, key, fallback, edit);
}

/** flights.json's rows, features, April holdout and hyper-parameters with the delay minutes as a regression target. */
function flightsDelay(s: DatasetSpec): unknown {
  return {
    ...s,
    name: 'flights-delay',
    target: { column: 'delay', task: 'regression' },
    // The binary spec's expectations on __label (the share of late flights) do not apply to minutes.
    expectations: s.expectations.filter((e) => !('column' in e) || e.column !== '__label'),
    gates: undefined,
  };
}

/** Regression on the flights delay minutes (April holdout), beside LightGBM on the same rows, split and hyper-parameters. */
export async function benchRegression(dir: string, log: (line: string) => void): Promise<Figure[]> {
  const d = await loadShipped(dir, 'delay', 'datasets/flights-delay.json', 'datasets/flights.json', flightsDelay);
  const task: GbdtTask = { task: 'regression' };
  const target = (f: Frame) => f.target ?? new Float64Array(0);
  log(`regression: train ${d.train.rows} rows, April holdout ${d.holdout.rows}; loss ${d.spec.model.loss ?? 'l2'}`);
  const ours = train(d.train, d.spec, log, task);
  const ourRmse = rmse(target(d.holdout), predictModel(ours.model, d.holdout));
  let mean = 0;
  for (const y of target(d.train)) mean += y / d.train.rows;
  const meanRmse = rmse(target(d.holdout), new Float64Array(d.holdout.rows).fill(mean));
  const parity = await checkParity(ours.model, exportOnnx(ours.model), d.holdout, 5000);
  const peer = await runLightGbm({ train: d.train, holdouts: [{ name: 'april', frame: d.holdout }], params: d.spec.model, threads: [1, 2], task: { task: 'regression' } });
  if (!peer.ok) log(`LightGBM peer skipped: ${peer.reason}`);
  const one = peerRun(peer, 1);
  const two = peerRun(peer, 2);
  const rounds = d.spec.model.rounds;
  const note = `${d.train.rows} rows x ${d.train.features.length} features, ${rounds} rounds, depth ${d.spec.model.maxDepth}`;
  const figures: Figure[] = [];
  if (one) {
    const lgb = rmse(target(d.holdout), one.predictions.april);
    figures.push({
      name: 'train.regression.rmse.april (flights delay)',
      value: ourRmse,
      unit: 'min',
      baseline: { name: 'LightGBM', value: lgb },
      note: `goal <= LightGBM + 1 %; mean predictor ${meanRmse.toFixed(2)}`,
    });
    figures.push({ name: 'train.regression.rounds.seconds vs LightGBM 1 thread', value: ours.roundSeconds, unit: 's', baseline: { name: 'LightGBM 1 thread', value: one.trainSeconds }, note });
    figures.push({
      name: 'train.regression.rounds.cpuSeconds vs LightGBM 1 thread',
      value: ours.roundCpuSeconds,
      unit: 'cpu s',
      baseline: { name: 'LightGBM 1 thread', value: one.trainCpuSeconds },
      note: 'ours: both threads added up',
    });
  } else figures.push({ name: 'train.regression.rmse.april (flights delay)', value: ourRmse, unit: 'min', note: `mean predictor ${meanRmse.toFixed(2)}` });
  if (two) figures.push({ name: 'train.regression.rounds.seconds vs LightGBM 2 threads', value: ours.roundSeconds, unit: 's', baseline: { name: 'LightGBM 2 threads', value: two.trainSeconds } });
  figures.push(
    { name: 'train.regression.msPerRound', value: (ours.roundSeconds * 1000) / rounds, unit: 'ms', note },
    {
      name: 'train.regression.onnx.parity',
      value: parity.maxScaledDiff ?? parity.maxAbsDiff,
      unit: '',
      note: `max |diff| / max(1, |value|) over ${parity.rows} rows, limit 1e-5; max |diff| ${parity.maxAbsDiff.toExponential(2)}`,
    },
  );
  return figures;
}

/** penguins.json's rows and split with the three species as classes (penguins-species.json's hyper-parameters). */
function penguinsSpecies(s: DatasetSpec): object {
  return {
    ...s,
    name: 'penguins-species',
    target: { column: 'Species', task: 'multiclass', classes: ['Adelie', 'Chinstrap', 'Gentoo'] },
    model: { rounds: 100, learningRate: 0.1, maxDepth: 3, minDataInLeaf: 5 },
    gates: undefined,
  };
}

/** Seattle's daily weather (drizzle, fog, rain, snow, sun) from precipitation, temperatures, wind and month. */
function seattleWeather(s: DatasetSpec): unknown {
  return {
    name: 'seattle-weather',
    source: { path: 'npm:vega-datasets/data/seattle-weather.csv', select: '*, month(date) AS month' },
    target: { column: 'weather', task: 'multiclass' },
    features: ['precipitation', 'temp_max', 'temp_min', 'wind', 'month'].map((name) => ({ name, type: 'numeric' })),
    split: s.split,
    model: { rounds: 100, learningRate: 0.1, maxDepth: 4, minDataInLeaf: 10 },
  };
}

/** Multiclass on the two shipped multiclass datasets: log loss and accuracy beside LightGBM (same rows, split, parameters). */
export async function benchMulticlass(dir: string, log: (line: string) => void): Promise<Figure[]> {
  const figures: Figure[] = [];
  const sets: [string, Loaded][] = [
    ['penguins species', await loadShipped(dir, 'species', 'datasets/penguins-species.json', 'datasets/penguins.json', penguinsSpecies)],
    ['seattle weather', await loadShipped(dir, 'weather', 'datasets/seattle-weather.json', 'datasets/penguins.json', seattleWeather)],
  ];
  for (const [name, d] of sets) {
    const classes = d.classes ?? [];
    const k = classes.length;
    const task: GbdtTask = { task: 'multiclass', classes };
    const peerTask: PeerTask = { task: 'multiclass', classes: k };
    const ours = train(d.train, d.spec, () => undefined, task);
    const p = predictModel(ours.model, d.holdout);
    const accuracy = (proba: Float64Array) => {
      const predicted = predictedClasses(proba, d.holdout.rows, k);
      let right = 0;
      for (let i = 0; i < d.holdout.rows; i++) if (predicted[i] === d.holdout.label[i]) right++;
      return right / d.holdout.rows;
    };
    const parity = await checkParity(ours.model, exportOnnx(ours.model), d.holdout);
    const peer = await runLightGbm({ train: d.train, holdouts: [{ name: 'h', frame: d.holdout }], params: d.spec.model, threads: [1], task: peerTask });
    const one = peerRun(peer, 1);
    const ll = multiclassLogLoss(d.holdout.label, p, k);
    const rows = `${d.train.rows} train / ${d.holdout.rows} holdout rows, ${k} classes, ${d.spec.model.rounds} rounds, depth ${d.spec.model.maxDepth}`;
    if (one) {
      const lgbProba = one.predictions.h;
      figures.push(
        {
          name: `train.multiclass.logLoss.${name}`,
          value: ll,
          unit: '',
          baseline: { name: 'LightGBM', value: multiclassLogLoss(d.holdout.label, lgbProba, k) },
          note: `goal <= LightGBM + 1 %; ${rows}`,
        },
        { name: `train.multiclass.accuracy.${name}`, value: accuracy(p), unit: '', baseline: { name: 'LightGBM', value: accuracy(lgbProba) }, note: 'goal >= LightGBM - 0.005' },
        { name: `train.multiclass.seconds.${name}`, value: ours.roundSeconds, unit: 's', baseline: { name: 'LightGBM 1 thread', value: one.trainSeconds } },
      );
    } else {
      figures.push({ name: `train.multiclass.logLoss.${name}`, value: ll, unit: '', note: rows }, { name: `train.multiclass.accuracy.${name}`, value: accuracy(p), unit: '' });
    }
    figures.push({ name: `train.multiclass.onnx.parity.${name}`, value: parity.maxAbsDiff, unit: '', note: `${parity.rows} rows x ${k} probabilities, limit 1e-5` });
    log(`${name}: classes ${classes.join(', ')}`);
  }
  figures.push(...(await penguinsOverSeeds(dir)));
  return figures;
}

/**
 * Penguins' holdout is 91 rows that both trainers classify perfectly, so its log loss (about 0.01) rests on the
 * confidence in a handful of rows: the mean over five split seeds says more than the one shipped split.
 */
async function penguinsOverSeeds(dir: string): Promise<Figure[]> {
  const shipped = existsSync(path.join(ROOT, 'datasets/penguins-species.json'));
  let ours = 0;
  let lgb = 0;
  const seeds = [42, 1, 2, 3, 4];
  for (const seed of seeds) {
    const d = await load(dir, `species-${seed}`, shipped ? 'datasets/penguins-species.json' : 'datasets/penguins.json', (s) => ({
      ...(shipped ? s : penguinsSpecies(s)),
      split: { ...s.split, seed },
    }));
    const k = d.classes?.length ?? 0;
    const model = train(d.train, d.spec, () => undefined, { task: 'multiclass', classes: d.classes ?? [] }).model;
    const peer = peerRun(await runLightGbm({ train: d.train, holdouts: [{ name: 'h', frame: d.holdout }], params: d.spec.model, threads: [1], task: { task: 'multiclass', classes: k } }), 1);
    if (!peer) return [];
    ours += multiclassLogLoss(d.holdout.label, predictModel(model, d.holdout), k) / seeds.length;
    lgb += multiclassLogLoss(d.holdout.label, peer.predictions.h, k) / seeds.length;
  }
  return [
    {
      name: 'train.multiclass.logLoss.penguins (5 split seeds)',
      value: ours,
      unit: '',
      baseline: { name: 'LightGBM', value: lgb },
      note: `mean holdout log loss over split seeds ${seeds.join(', ')}`,
    },
  ];
}
