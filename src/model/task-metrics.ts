// The metrics of each task and its primary metric in one table, so callers (evaluation, gates, card, quality monitor)
// never branch on the task themselves.
import { z } from 'zod';
import type { Frame } from '../data/frame';
import { outputWidth, type ClassValue, type TaskKind } from '../task/task';
import { BinaryMetrics, evaluateBinary } from './metrics';
import { evaluateMulticlass, MulticlassMetrics } from './metrics-multiclass';
import { evaluateRegression, RegressionMetrics } from './metrics-regression';

/** Binary metrics keep their old JSON (no `task` field); the other tasks carry `task`. */
export const TaskMetrics = z.union([RegressionMetrics, MulticlassMetrics, BinaryMetrics]);
export type TaskMetrics = z.infer<typeof TaskMetrics>;

export interface PrimaryMetric {
  name: 'auc' | 'logLoss' | 'rmse';
  higherIsBetter: boolean;
}

/** What gates compare per task: binary ROC AUC, multiclass log loss, regression RMSE. */
export const PRIMARY_METRIC: Readonly<Record<TaskKind, PrimaryMetric>> = {
  binary: { name: 'auc', higherIsBetter: true },
  multiclass: { name: 'logLoss', higherIsBetter: false },
  regression: { name: 'rmse', higherIsBetter: false },
};

/**
 * Scores `predictions` (`rows * width` numbers per the task's output contract) against the frame's truth: `label`
 * (binary 0/1, multiclass class index) or `target` (regression).
 */
export function evaluateTask(task: TaskKind, truth: Pick<Frame, 'label' | 'target'>, predictions: ArrayLike<number>, classes?: readonly ClassValue[]): TaskMetrics {
  switch (task) {
    case 'binary':
      return evaluateBinary(truth.label, predictions);
    case 'multiclass':
      outputWidth(task, classes);
      return evaluateMulticlass(truth.label, predictions, classes!);
    case 'regression':
      if (!truth.target) throw new RangeError('regression metrics need the numeric target (frame.target)');
      return evaluateRegression(truth.target, predictions);
  }
}

/** The primary metric's value (null when undefined, e.g. AUC of a single-class holdout). */
export function primaryValue(task: TaskKind, metrics: TaskMetrics): number | null {
  const name = PRIMARY_METRIC[task].name;
  const value = (metrics as Record<string, unknown>)[name];
  if (value === undefined) throw new RangeError(`${task} metrics have no ${name}`);
  return value as number | null;
}

/** How much better `candidate` is than `reference` on the task's primary metric (positive: better), or null if either is undefined. */
export function primaryGain(task: TaskKind, candidate: TaskMetrics, reference: TaskMetrics): number | null {
  const a = primaryValue(task, candidate);
  const b = primaryValue(task, reference);
  if (a === null || b === null) return null;
  return PRIMARY_METRIC[task].higherIsBetter ? a - b : b - a;
}
