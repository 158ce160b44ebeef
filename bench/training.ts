// Training bench on the full 3M flights rows: time per round and rows/s of the GBDT, its holdout AUC beside both baselines.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ingestSnapshot } from '../src/data/ingest';
import { loadSplitFrames } from '../src/data/load-frame';
import { GbdtTrainer, predictProba } from '../src/model/gbdt';
import { predictLogistic, trainLogistic } from '../src/model/logistic';
import { evaluateBinary, majorityBaseline } from '../src/model/metrics';
import { exportOnnx } from '../src/model/onnx-export';
import { checkParity } from '../src/model/parity';
import { loadSpec, parseSpec } from '../src/spec/dataset';
import type { Figure } from './figure';

const ROOT = path.resolve(__dirname, '..', '..');

export async function benchTraining(log: (line: string) => void = () => undefined): Promise<Figure[]> {
  const { spec: shipped, file } = await loadSpec('datasets/flights.json', ROOT);
  // All 3M rows: Jan-Mar train... the shipped time split, without the month filter, holds out April to June.
  const spec = parseSpec({ ...shipped, name: 'flights-bench', source: { ...shipped.source, where: undefined } });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlp-bench-train-'));
  try {
    const manifest = await ingestSnapshot({ spec, specFile: file, outDir: dir, runKey: 'bench' });
    const { train, holdout } = await loadSplitFrames(manifest.path, spec);
    log(`train ${train.rows} rows, holdout ${holdout.rows} rows`);
    const trainer = GbdtTrainer.create(train, spec.model);
    let seconds = 0;
    let rows = 0;
    while (!trainer.done) {
      const s = trainer.round();
      seconds += s.seconds;
      rows += s.rows;
      if (s.round % 20 === 0) log(`round ${s.round}: ${(s.seconds * 1000).toFixed(0)} ms, train log loss ${s.trainLogLoss.toFixed(4)}`);
    }
    const model = trainer.model();
    const t0 = process.hrtime.bigint();
    const logistic = trainLogistic(train);
    const logisticMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const gbdt = evaluateBinary(holdout.label, predictProba(model, holdout));
    const lr = evaluateBinary(holdout.label, predictLogistic(logistic, holdout));
    const majority = majorityBaseline(holdout.label, train.label);
    const parity = await checkParity(model, exportOnnx(model), holdout, 5000);
    const msPerRound = (seconds * 1000) / trainer.roundsDone;
    return [
      { name: 'train.gbdt.msPerRound', value: msPerRound, unit: 'ms', note: `${train.rows} rows x ${train.features.length} features, depth ${spec.model.maxDepth}` },
      { name: 'train.gbdt.rowsPerSecond', value: rows / seconds, unit: 'rows/s', note: 'rows visited per second of boosting' },
      { name: 'train.gbdt.total', value: seconds * 1000, unit: 'ms', baseline: { name: 'logistic baseline fit', value: logisticMs }, note: `${trainer.roundsDone} rounds` },
      { name: 'train.holdout.auc', value: gbdt.auc ?? NaN, unit: 'AUC', baseline: { name: 'logistic regression AUC', value: lr.auc ?? NaN }, note: `${holdout.rows} holdout rows` },
      { name: 'train.holdout.auc.vsMajority', value: gbdt.auc ?? NaN, unit: 'AUC', baseline: { name: 'majority-class AUC', value: majority.auc ?? 0.5 } },
      { name: 'train.holdout.logLoss', value: gbdt.logLoss, unit: 'nats', baseline: { name: 'logistic log loss', value: lr.logLoss } },
      { name: 'train.onnx.parity.maxAbsDiff', value: parity.maxAbsDiff, unit: '', note: `${parity.rows} rows, limit 1e-5` },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
