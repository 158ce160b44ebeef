// importModel's own step: an ONNX model trained elsewhere, checked against the spec's features and copied into the run.
import { ApplicationFailure } from '@temporalio/activity';
import { OnnxModel, OnnxModelError } from '../src/model/onnx-model';
import { checkKey, StoreKeyError } from '../src/store/keys';
import type { ActivityContext } from './context';
import { heartbeating } from './heartbeat';
import type { RunRef } from './training-types';

export function importActivities(ctx: ActivityContext) {
  const { store } = ctx;
  return {
    /**
     * Loads the ONNX bytes at `onnxKey` with onnxruntime-node and checks its inputs are the spec's features ([N,1]
     * float for numeric, string for categorical) and it has the binary outputs; copies it to `<run>/model.onnx`.
     */
    async importOnnx({ run, onnxKey }: { run: RunRef; onnxKey: string }): Promise<{ onnxKey: string; bytes: number }> {
      return heartbeating('checking the imported model', async () => {
        try {
          checkKey(onnxKey);
        } catch (err) {
          if (err instanceof StoreKeyError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidWorkflowInput');
          throw err;
        }
        const bytes = await store.get(onnxKey);
        if (!bytes) throw ApplicationFailure.nonRetryable(`no ONNX model at store key ${onnxKey}; upload it first (cli import-model does)`, 'RunFileMissing', { key: onnxKey });
        let model: OnnxModel;
        try {
          model = await OnnxModel.load(bytes, run.spec.features);
        } catch (err) {
          if (err instanceof OnnxModelError) {
            const type = err.code === 'feature_mismatch' ? 'OnnxInputsMismatch' : 'OnnxModelInvalid';
            throw ApplicationFailure.nonRetryable(`imported model ${onnxKey}: ${err.message}`, type, { key: onnxKey });
          }
          throw err;
        }
        await model.release();
        const target = `${run.runPrefix}/model.onnx`;
        await store.put(target, bytes);
        return { onnxKey: target, bytes: bytes.byteLength };
      });
    },
  };
}
