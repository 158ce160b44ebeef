// The training side of the prediction distribution, stored in the registered profile.json for drift on predictions.
import type { GbdtTask } from '../model/gbdt';
import { scoreProfile } from '../profile';
import type { ScoreProfile } from '../profile/schema';
import { argmax, outputWidth } from '../task/task';

/**
 * The holdout predictions as the profile keeps them: binary P(positive) and regression values as a numeric
 * distribution. Multiclass (the seam for task-serving's class-share profile): the predicted class index per row, so
 * its distribution is the predicted class mix, until the profile schema has a per-class form.
 */
export function holdoutPredictionProfile(task: GbdtTask, predictions: ArrayLike<number>, rows: number): ScoreProfile {
  if (task.task !== 'multiclass') return scoreProfile(predictions);
  const k = outputWidth(task.task, task.classes);
  return scoreProfile(Float64Array.from({ length: rows }, (_, i) => argmax(predictions, i * k, k)));
}
