// The three prediction tasks and the shapes every layer agrees on for each (spec, frame, model, ONNX, serving, monitors).
import { z } from 'zod';

export const TASK_KINDS = ['binary', 'multiclass', 'regression'] as const;
export const TaskKind = z.enum(TASK_KINDS);
export type TaskKind = z.infer<typeof TaskKind>;

/** More classes than this is almost always an id column chosen as the target by mistake. */
export const MAX_CLASSES = 100;

/** A class as it appears in the data: strings, whole numbers or booleans (JSON keeps the type). */
export const ClassValue = z.union([z.string().min(1), z.number().int(), z.boolean()]);
export type ClassValue = z.infer<typeof ClassValue>;

/** Regression losses; the default is squared error. */
export const REGRESSION_LOSSES = ['l2', 'l1', 'huber'] as const;
export type RegressionLoss = (typeof REGRESSION_LOSSES)[number];

/**
 * What a model gives per row, as one flat Float32Array of `rows * width` numbers (see `outputWidth`):
 * - binary: width 1, P(positive);
 * - regression: width 1, the predicted value;
 * - multiclass: width K, the probability of each class in `classes` order (row-major), summing to 1.
 * The predicted label of a multiclass row is the class with the highest probability (first on ties).
 */
export function outputWidth(task: TaskKind, classes?: readonly unknown[]): number {
  if (task !== 'multiclass') return 1;
  if (!classes || classes.length < 2) throw new RangeError('a multiclass model needs at least 2 classes');
  return classes.length;
}

/** The key a class is named by in JSON objects, ONNX metadata and report tables: its string form. */
export function className(c: ClassValue): string {
  return String(c);
}

/** Index of the largest of `width` numbers at `offset` (first on ties). */
export function argmax(values: ArrayLike<number>, offset: number, width: number): number {
  let best = 0;
  for (let k = 1; k < width; k++) if (values[offset + k] > values[offset + best]) best = k;
  return best;
}
