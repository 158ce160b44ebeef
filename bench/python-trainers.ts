// The Python trainers beside ours in `npm run bench -- training`: each shipped example and our GBDT on the same
// snapshot and split, holdout AUC (the examples' ONNX run by onnxruntime-node) and training time. Information only.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ingestSnapshot } from '../src/data/ingest';
import { loadSplitFrames } from '../src/data/load-frame';
import { predictProba } from '../src/model/gbdt';
import { rocAuc } from '../src/model/metrics';
import { frameToModelInput, OnnxModel } from '../src/model/onnx-model';
import { trainInThread } from '../src/model/train-in-thread';
import { loadSpec, parseSpec } from '../src/spec/dataset';
import type { Figure } from './figure';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLES = ['datasets/flights-sklearn.json', 'datasets/flights-lightgbm.json', 'datasets/flights-xgboost.json'];
const Result = z.object({ onnxFile: z.string(), seconds: z.number(), estimator: z.string() });

export async function benchPythonTrainers(log: (line: string) => void): Promise<Figure[]> {
  const python = path.join(ROOT, '.venv-python-worker', 'bin', 'python');
  if (!existsSync(python)) {
    log('Python trainers skipped: no .venv-python-worker (make python-worker-venv)');
    return [];
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlp-bench-python-'));
  const figures: Figure[] = [];
  try {
    for (const specPath of EXAMPLES) {
      const { spec, file } = await loadSpec(specPath, ROOT);
      const manifest = await ingestSnapshot({ spec, specFile: file, outDir: dir, runKey: spec.name });
      const { train, holdout } = await loadSplitFrames(manifest.path, spec);
      // ours: the spec with the GBDT trainer and its default hyper-parameters
      const ours = await trainInThread(train, parseSpec({ ...spec, model: {} }).model, undefined);
      const oursAuc = rocAuc(holdout.label, predictProba(ours.model, holdout)) ?? NaN;
      const specFile = path.join(dir, `${spec.name}.spec.json`);
      await writeFile(specFile, JSON.stringify(spec));
      log(`${spec.name}: ${typeof spec.model.trainer === 'object' ? spec.model.trainer.python : ''} on ${train.rows} rows...`);
      const out = await run(python, ['-m', 'ml_worker.bench', manifest.path, specFile, `bench-${spec.name}`], { cwd: path.join(ROOT, 'python'), maxBuffer: 16 << 20 });
      const result = Result.parse(JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}'));
      const onnx = await OnnxModel.load(await readFile(result.onnxFile), spec.features);
      const theirAuc = rocAuc(holdout.label, Float64Array.from(await onnx.predict(frameToModelInput(holdout), holdout.rows))) ?? NaN;
      await onnx.release();
      const note = `${train.rows} train / ${holdout.rows} holdout rows, ${result.estimator}`;
      figures.push(
        { name: `train.python.${spec.name}.auc`, value: theirAuc, unit: 'AUC', baseline: { name: 'our GBDT', value: oursAuc }, note },
        { name: `train.python.${spec.name}.seconds`, value: result.seconds, unit: 's', baseline: { name: 'our GBDT (fit)', value: ours.seconds }, note: 'fit only, one shared machine' },
      );
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
