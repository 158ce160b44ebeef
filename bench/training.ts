// Training bench: our GBDT beside LightGBM (same rows, split and hyper-parameters, 1 and 2 threads) on the flights data,
// and beside the logistic baseline on two small datasets with nulls.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from '../src/data/frame';
import { ingestSnapshot } from '../src/data/ingest';
import { loadSplitFrames } from '../src/data/load-frame';
import { GbdtTrainer, predictProba, type GbdtModel } from '../src/model/gbdt';
import { predictLogistic, trainLogistic } from '../src/model/logistic';
import { majorityBaseline, rocAuc } from '../src/model/metrics';
import { exportOnnx } from '../src/model/onnx-export';
import { checkParity } from '../src/model/parity';
import { loadSpec, parseSpec, type DatasetSpec } from '../src/spec/dataset';
import type { Figure } from './figure';
import { runLightGbm, type PeerOutcome } from './peers/lightgbm';
import { moviesSpec } from './movies';

const ROOT = path.resolve(__dirname, '..', '..');

interface Loaded {
  spec: DatasetSpec;
  train: Frame;
  holdout: Frame;
}

async function load(dir: string, key: string, specPath: string, edit: (s: DatasetSpec) => unknown = (s) => s): Promise<Loaded> {
  const { spec: shipped, file } = await loadSpec(specPath, ROOT);
  const spec = parseSpec(edit(shipped));
  const manifest = await ingestSnapshot({ spec, specFile: file, outDir: dir, runKey: key });
  const { train, holdout } = await loadSplitFrames(manifest.path, spec);
  return { spec, train, holdout };
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

function train(frame: Frame, spec: DatasetSpec, log: (line: string) => void): Trained {
  const t0 = process.hrtime.bigint();
  const trainer = GbdtTrainer.create(frame, spec.model);
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
    log(`train ${big.train.rows} rows (Jan-Mar), holdouts: Apr-Jun ${big.holdout.rows}, April ${april.holdout.rows}; ${os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

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
        ? { name: 'train.auc.april (flights.json)', value: oursApril, unit: 'AUC', baseline: { name: 'LightGBM', value: auc(april.holdout.label, one.predictions.april) }, note: `difference ${(oursApril - auc(april.holdout.label, one.predictions.april)).toFixed(4)}` }
        : { name: 'train.auc.april (flights.json)', value: oursApril, unit: 'AUC' },
      one
        ? { name: 'train.auc.aprjun (bench split)', value: oursAprJun, unit: 'AUC', baseline: { name: 'LightGBM', value: auc(big.holdout.label, one.predictions.aprjun) }, note: `difference ${(oursAprJun - auc(big.holdout.label, one.predictions.aprjun)).toFixed(4)}` }
        : { name: 'train.auc.aprjun (bench split)', value: oursAprJun, unit: 'AUC' },
      { name: 'train.auc.april vs logistic', value: oursApril, unit: 'AUC', baseline: { name: 'logistic regression', value: lrApril } },
      { name: 'train.auc.aprjun vs logistic', value: oursAprJun, unit: 'AUC', baseline: { name: 'logistic regression', value: lrAprJun }, note: `majority ${majorityBaseline(big.holdout.label, big.train.label).auc ?? 0.5}` },
    );
    if (one) figures.push({ name: 'train.rounds.seconds vs LightGBM 1 thread', value: ours.roundSeconds, unit: 's', baseline: { name: 'LightGBM 1 thread', value: one.trainSeconds }, note });
    if (two) figures.push({ name: 'train.rounds.seconds vs LightGBM 2 threads', value: ours.roundSeconds, unit: 's', baseline: { name: 'LightGBM 2 threads', value: two.trainSeconds } });
    // On a shared machine wall time mostly measures the neighbours; CPU time is what each trainer itself spent.
    if (one) figures.push({ name: 'train.rounds.cpuSeconds vs LightGBM 1 thread', value: ours.roundCpuSeconds, unit: 'cpu s', baseline: { name: 'LightGBM 1 thread', value: one.trainCpuSeconds }, note: 'ours: both threads added up' });
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
      figures.push({ name: `train.auc.${name} vs logistic`, value: ourAuc, unit: 'AUC', baseline: { name: 'logistic regression', value: lr }, note: `${d.train.rows} train / ${d.holdout.rows} holdout rows${lgbNote}` });
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
