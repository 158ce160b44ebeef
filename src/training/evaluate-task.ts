// Evaluation of a regression or multiclass candidate: the task's metrics for it, its baselines (fitted here on the
// training rows) and the champion on the same holdout, then the gates on the task's primary metric.
import type { Frame } from '../data/frame';
import { loadFrame, loadSplitFrames } from '../data/load-frame';
import { fitLinearBaseline, fitPrior, predictBaseline } from '../model/baselines';
import type { GbdtTask } from '../model/gbdt';
import { frameToModelInput, OnnxModel } from '../model/onnx-model';
import { evaluateTask } from '../model/task-metrics';
import { regressionCharts } from '../model-card/task-charts';
import { className } from '../task/task';
import type { CandidateScorer } from './candidate';
import type { EvaluateInput } from './evaluate';
import { sameFeatures } from './evaluate';
import { holdoutPredictionProfile } from './prediction-profile';
import { runKeys } from '../store/layout';
import { decideTaskGates, MULTICLASS_GATES, REGRESSION_GATES, type TaskGateRules } from './task-gates';
import type { TaskEvaluation, TaskMetrics } from './types';

type NonBinary = Exclude<GbdtTask, { task: 'binary' }>;

/** The per-task pieces: how to score predictions, what the baselines are called, which gate rules apply. */
interface TaskEval<T extends NonBinary['task']> {
  score: (frame: Frame, predictions: ArrayLike<number>) => TaskMetrics<T>;
  priorName: string;
  linearName: string;
  gates: TaskGateRules<TaskMetrics<T>>;
}

function taskEval(task: NonBinary): TaskEval<'regression'> | TaskEval<'multiclass'> {
  const classes = task.task === 'multiclass' ? task.classes : undefined;
  const score = <M>(frame: Frame, p: ArrayLike<number>) => evaluateTask(task.task, frame, p, classes) as M;
  return task.task === 'regression'
    ? { score: score<TaskMetrics<'regression'>>, priorName: 'mean', linearName: 'ridge', gates: REGRESSION_GATES }
    : { score: score<TaskMetrics<'multiclass'>>, priorName: 'class prior', linearName: 'multinomial logistic', gates: MULTICLASS_GATES };
}

export async function evaluateTaskCandidate(input: EvaluateInput, task: NonBinary, scorer: CandidateScorer): Promise<TaskEvaluation<'regression'> | TaskEvaluation<'multiclass'>> {
  const { store, registry, run, snapshotFile, recentRowsKey } = input;
  const keys = runKeys(run.runPrefix);
  const rules = taskEval(task) as TaskEval<NonBinary['task']>;
  const { train, holdout } = await loadSplitFrames(snapshotFile, run.spec);
  const predictions = await scorer.score(holdout);
  const candidate = rules.score(holdout, predictions);
  const classes = task.task === 'multiclass' ? task.classes : undefined;
  const prior = fitPrior(train, task.task, classes);
  const linear = fitLinearBaseline(train, task.task, classes);
  await store.putJson(keys.baseline, { prior, linear });
  const baselines = [
    { name: rules.priorName, metrics: rules.score(holdout, predictBaseline(prior, holdout)) },
    { name: rules.linearName, metrics: rules.score(holdout, predictBaseline(linear, holdout)) },
  ];
  await store.putJson(keys.holdoutScores, holdoutPredictionProfile(task, predictions));

  const live = recentRowsKey ? (await loadFrame(await store.fetchFile(recentRowsKey), run.spec.features, { task: task.task })).frame : undefined;
  let recent: TaskEvaluation['metrics']['recent'];
  if (live) recent = { rows: live.rows, candidate: rules.score(live, await scorer.score(live)) };
  const championVersion = await registry.alias(run.modelName);
  let champion: { version: number; metrics: TaskMetrics<NonBinary['task']> } | undefined;
  if (championVersion !== undefined) {
    const meta = await registry.metadata(run.modelName, championVersion);
    if (sameFeatures(meta.features, run.spec)) {
      const onnx = await OnnxModel.load(await registry.readFile(run.modelName, championVersion, 'model.onnx'), meta.features).catch(() => undefined);
      // A champion of another task, or with other classes, is not comparable on these rows: the candidate goes without.
      if (onnx && sameTask(onnx, task)) {
        try {
          champion = { version: championVersion, metrics: rules.score(holdout, await onnx.predict(frameToModelInput(holdout), holdout.rows)) };
          if (live && recent) recent.champion = { version: championVersion, metrics: rules.score(live, await onnx.predict(frameToModelInput(live), live.rows)) };
        } finally {
          await onnx.release();
        }
      } else await onnx?.release();
    }
  }
  const gates = decideTaskGates(rules.gates, {
    spec: run.spec,
    candidate,
    prior: baselines[0],
    linear: baselines[1],
    ...(champion ? { champion } : {}),
    ...(recent ? { recent } : {}),
    notes: task.task === 'multiclass' ? rareClassNotes(task.classes, train, holdout) : [],
  });
  return {
    task: task.task,
    holdoutRows: holdout.rows,
    metrics: { candidate, baselines, ...(champion ? { champion } : {}), ...(recent ? { recent } : {}) },
    gates,
    championVersion: championVersion ?? null,
    ...(task.task === 'regression' && holdout.target ? { charts: regressionCharts(holdout.target, predictions) } : {}),
  } as TaskEvaluation<'regression'> | TaskEvaluation<'multiclass'>;
}

function sameTask(onnx: OnnxModel, task: NonBinary): boolean {
  if (onnx.task !== task.task) return false;
  if (task.task !== 'multiclass') return true;
  const theirs = onnx.classes ?? [];
  return theirs.length === task.classes.length && theirs.every((c, i) => className(c) === className(task.classes[i]));
}

/** Classes with no training rows cannot be learned, and classes with no holdout rows cannot be judged: say which. */
function rareClassNotes(classes: readonly (string | number | boolean)[], train: Frame, holdout: Frame): string[] {
  const count = (frame: Frame) => {
    const out = new Array<number>(classes.length).fill(0);
    for (let i = 0; i < frame.rows; i++) out[frame.label[i]]++;
    return out;
  };
  const inTrain = count(train);
  const inHoldout = count(holdout);
  const notes: string[] = [];
  const name = (i: number) => JSON.stringify(classes[i]);
  const noTrain = classes.map((_, i) => i).filter((i) => inTrain[i] === 0);
  const noHoldout = classes.map((_, i) => i).filter((i) => inHoldout[i] === 0);
  if (noTrain.length)
    notes.push(
      `class${noTrain.length > 1 ? 'es' : ''} ${noTrain.map(name).join(', ')} never occur${noTrain.length > 1 ? '' : 's'} in the training rows: the model cannot learn ${noTrain.length > 1 ? 'them' : 'it'}`,
    );
  if (noHoldout.length)
    notes.push(
      `class${noHoldout.length > 1 ? 'es' : ''} ${noHoldout.map(name).join(', ')} never occur${noHoldout.length > 1 ? '' : 's'} in the holdout rows: the holdout cannot judge ${noHoldout.length > 1 ? 'them' : 'it'}`,
    );
  return notes;
}
