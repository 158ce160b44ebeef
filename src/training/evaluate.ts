// Evaluation of a trained candidate: holdout metrics beside the baselines and the champion on the same rows, then the gates.
import { loadFrame, loadSplitFrames } from '../data/load-frame';
import { predictLogistic } from '../model/logistic';
import { evaluateBinary, majorityBaseline } from '../model/metrics';
import { frameToModelInput, OnnxModel } from '../model/onnx-model';
import { binaryCurves } from '../model-card/curves';
import { scoreProfile } from '../profile';
import type { Registry } from '../registry/registry';
import type { DatasetSpec } from '../spec/dataset';
import type { ArtifactStore } from '../store';
import { candidateScorer, runBaseline, type CandidateScorer } from './candidate';
import { decideGates, withRecentGate } from './gates';
import { runKeys } from '../store/layout';
import { evaluateTaskCandidate } from './evaluate-task';
import { runTask } from './run-task';
import type { BinaryEvaluation, EvaluationOutcome, RunRef } from './types';

export interface EvaluateInput {
  store: ArtifactStore;
  registry: Registry;
  run: RunRef;
  /** A local copy of the run's snapshot. */
  snapshotFile: string;
  /** The GBDT's JSON model; or, without it, `onnxKey`: an ONNX model from another trainer (Python worker, import). */
  modelKey?: string;
  onnxKey?: string;
  /** Store key of the newest labeled live rows (a quality-triggered retrain passes them): judged like the holdout. */
  recentRowsKey?: string;
}

/** Scores candidate, baselines and champion on the holdout, stores the holdout prediction profile, and decides. */
export async function evaluateCandidate(input: EvaluateInput): Promise<EvaluationOutcome> {
  const { store, run, modelKey, onnxKey } = input;
  const task = runTask(run);
  // the GBDT's JSON model or another trainer's ONNX graph: scored the same way, so every later line is shared
  const scorer = await candidateScorer(store, run, { ...(modelKey !== undefined ? { modelKey } : {}), ...(onnxKey !== undefined ? { onnxKey } : {}) });
  try {
    return task.task === 'binary' ? await evaluateBinaryCandidate(input, scorer) : await evaluateTaskCandidate(input, task, scorer);
  } finally {
    await scorer.release();
  }
}

/** Binary: the candidate beside the logistic baseline (the GBDT trainer's, else fitted here) and the majority class; gates on AUC. */
async function evaluateBinaryCandidate({ store, registry, run, snapshotFile, recentRowsKey }: EvaluateInput, scorer: CandidateScorer): Promise<BinaryEvaluation> {
  const { train, holdout } = await loadSplitFrames(snapshotFile, run.spec);
  const keys = runKeys(run.runPrefix);
  const baseline = await runBaseline(store, run, train);
  const candidateProba = await scorer.score(holdout);
  const logisticProba = predictLogistic(baseline, holdout);
  const candidate = evaluateBinary(holdout.label, candidateProba);
  // The training side of the prediction distribution, stored with the profile at registration.
  await store.putJson(keys.holdoutScores, scoreProfile(candidateProba));
  const logistic = evaluateBinary(holdout.label, logisticProba);
  const majority = majorityBaseline(holdout.label, train.label);
  const championVersion = await registry.alias(run.modelName);
  let champion: BinaryEvaluation['metrics']['champion'];
  let recent: BinaryEvaluation['metrics']['recent'];
  const live = recentRowsKey ? (await loadFrame(await store.fetchFile(recentRowsKey), run.spec.features)).frame : undefined;
  if (live) recent = { rows: live.rows, candidate: evaluateBinary(live.label, await scorer.score(live)) };
  let championCurves: ReturnType<typeof binaryCurves> | undefined;
  if (championVersion !== undefined) {
    const meta = await registry.metadata(run.modelName, championVersion);
    if (sameFeatures(meta.features, run.spec)) {
      const onnx = await OnnxModel.load(await registry.readFile(run.modelName, championVersion, 'model.onnx'), meta.features);
      try {
        const proba = await onnx.predict(frameToModelInput(holdout), holdout.rows);
        champion = { ...evaluateBinary(holdout.label, proba), version: championVersion };
        if (live && recent) recent.champion = { ...evaluateBinary(live.label, await onnx.predict(frameToModelInput(live), live.rows)), version: championVersion };
        championCurves = binaryCurves(holdout.label, proba);
      } finally {
        await onnx.release();
      }
    }
  }
  const gates = withRecentGate(run.spec, decideGates(run.spec, candidate, logistic, majority, champion), recent);
  const curves = { candidate: binaryCurves(holdout.label, candidateProba), logistic: binaryCurves(holdout.label, logisticProba), ...(championCurves ? { champion: championCurves } : {}) };
  return {
    holdoutRows: holdout.rows,
    metrics: { candidate, logistic, majority, champion, ...(recent ? { recent } : {}) },
    gates,
    championVersion: championVersion ?? null,
    curves,
  };
}

/** A champion is comparable on this holdout only when it reads the same features with the same types. */
export function sameFeatures(features: { name: string; type: string }[], spec: DatasetSpec): boolean {
  return features.length === spec.features.length && features.every((f, i) => f.name === spec.features[i].name && f.type === spec.features[i].type);
}
