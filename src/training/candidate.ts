// The candidate's holdout scores whoever trained it (the GBDT's own JSON model, or an ONNX graph run by onnxruntime-node),
// and the logistic baseline it is compared with, so evaluation is the same code for every trainer.
import type { Frame } from '../data/frame';
import { GbdtModel, predictModel } from '../model/gbdt';
import { LogisticModel, trainLogistic } from '../model/logistic';
import { frameToModelInput, OnnxModel } from '../model/onnx-model';
import type { ArtifactStore } from '../store';
import { runKeys } from '../store/layout';
import type { RunRef } from './types';

export interface CandidateScorer {
  /** Per row, `width` numbers per the task (binary: P(positive); regression: the value; multiclass: K probabilities). */
  score(frame: Frame): Promise<Float64Array>;
  release(): Promise<void>;
}

/** `modelKey` names a GBDT JSON model; `onnxKey` alone an ONNX model from elsewhere (Python worker, import). */
export async function candidateScorer(store: ArtifactStore, run: RunRef, ref: { modelKey?: string; onnxKey?: string }): Promise<CandidateScorer> {
  if (ref.modelKey !== undefined) {
    const model = await store.getJsonRequired(ref.modelKey, GbdtModel);
    return { score: (frame) => Promise.resolve(predictModel(model, frame)), release: () => Promise.resolve() };
  }
  if (ref.onnxKey === undefined) throw new Error('candidateScorer needs a modelKey or an onnxKey');
  const onnx = await OnnxModel.load(await store.getRequired(ref.onnxKey), run.spec.features);
  return {
    score: async (frame) => Float64Array.from(await onnx.predict(frameToModelInput(frame), frame.rows)),
    release: () => onnx.release(),
  };
}

/** The run's logistic baseline: the one the GBDT trainer fitted beside its model, else fitted here on the training rows. */
export async function runBaseline(store: ArtifactStore, run: RunRef, train: Frame): Promise<LogisticModel> {
  const key = runKeys(run.runPrefix).baseline;
  const saved = await store.getJson(key, LogisticModel).catch(() => undefined);
  if (saved) return saved;
  const baseline = trainLogistic(train);
  await store.putJson(key, baseline);
  return baseline;
}
