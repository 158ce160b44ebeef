// Feature names as the data has them (spaces, parentheses, quotes, any script, even the graph's own output names) as ONNX inputs.
import assert from 'node:assert/strict';
import type { Frame } from '../../src/data/frame';
import { trainGbdt } from '../../src/model/gbdt';
import { exportOnnx, LABEL_OUTPUT, onnxInputName, PROBABILITY_OUTPUT } from '../../src/model/onnx-export';
import { OnnxModel } from '../../src/model/onnx-model';
import { checkParity } from '../../src/model/parity';
import { syntheticFrame } from './synthetic';

// Names that clash with the graph's outputs or look like internal names, next to ordinary odd ones.
const NAMES = ['Body Mass (g)', LABEL_OUTPUT, 'x3.value', PROBABILITY_OUTPUT, 'c1 \'colour\' "q"', 'c2__encoded'];

function renamed(frame: Frame): Frame {
  return { ...frame, features: frame.features.map((f, i) => ({ ...f, name: NAMES[i] })) };
}

describe('model/onnx input names', function () {
  this.timeout(60_000);

  it('keeps ordinary names as they are and moves only names the graph defines itself', () => {
    assert.equal(onnxInputName('Body Mass (g)'), 'Body Mass (g)');
    assert.equal(onnxInputName('名前'), '名前');
    assert.equal(onnxInputName(LABEL_OUTPUT), `__input_${LABEL_OUTPUT}`);
    assert.equal(onnxInputName(PROBABILITY_OUTPUT), `__input_${PROBABILITY_OUTPUT}`);
    assert.equal(onnxInputName('__row'), '__input___row');
  });

  it('exports, loads in onnxruntime-node and matches the trainer with odd and clashing feature names', async () => {
    const train = renamed(syntheticFrame({ rows: 3000, seed: 5 }));
    const holdout = renamed(syntheticFrame({ rows: 500, seed: 6 }));
    const model = trainGbdt(train, { rounds: 10, maxDepth: 4, minDataInLeaf: 10, learningRate: 0.3, maxBins: 32 });
    const bytes = exportOnnx(model, { modelName: 'odd-names' });
    const parity = await checkParity(model, bytes, holdout, 500);
    assert.ok(parity.ok && parity.maxAbsDiff <= 1e-5, `parity ${parity.maxAbsDiff}`);

    const onnx = await OnnxModel.load(bytes, model.features);
    try {
      const record = { 'Body Mass (g)': 1, label: 0.5, 'x3.value': 4, probabilities: 0, 'c1 \'colour\' "q"': 'red', c2__encoded: 'k3' };
      const [p] = await onnx.predictRecords([record]);
      assert.ok(p > 0 && p < 1);
    } finally {
      await onnx.release();
    }
  });
});
