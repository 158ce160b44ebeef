// The committed scikit-learn/SciPy reference vectors of the regression and multiclass quality metrics (scripts/quality-task-vectors.py).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface RegressionExpected {
  rows: number;
  rmse: number;
  mae: number;
  r2: number;
  meanTarget: number;
}
export interface MulticlassExpected {
  rows: number;
  accuracy: number;
  logLoss: number;
  macroF1: number;
  observedShares: number[];
  classMix: { expected: number[]; chiSquare: number; pValue: number };
}
export type MetricCase =
  | { name: string; task: 'regression'; target: number[]; prediction: number[]; expected: RegressionExpected }
  | { name: string; task: 'multiclass'; classes: string[]; actual: number[]; probabilities: number[][]; expected: MulticlassExpected };
export interface TaskScenario {
  name: string;
  task: 'regression' | 'multiclass';
  classes?: string[];
  window: { start: string; end: string };
  version: number;
  captures: Record<string, unknown>[];
  labels: Record<string, unknown>[];
  expected: { counts: Record<string, unknown>; output: number[]; target: number[]; metrics: RegressionExpected | MulticlassExpected };
}
export const taskVectors = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'test', 'model-quality', 'task-vectors.json'), 'utf8')) as {
  generator: string;
  holdoutShares: number[];
  metricCases: MetricCase[];
  scenarios: TaskScenario[];
};
