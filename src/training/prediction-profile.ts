// The training side of the prediction distribution, stored in the registered profile.json for drift on predictions.
import type { GbdtTask } from '../model/gbdt';
import { predictionProfile } from '../profile';
import type { PredictionProfile } from '../profile/schema';
import { outputWidth } from '../task/task';

/**
 * The holdout predictions as the profile keeps them (predictionProfile): binary P(positive) and regression values as a
 * numeric distribution, multiclass the share of rows predicted as each class and the mean class probabilities.
 */
export function holdoutPredictionProfile(task: GbdtTask, predictions: ArrayLike<number>): PredictionProfile {
  return predictionProfile(task.task, predictions, outputWidth(task.task, task.task === 'multiclass' ? task.classes : undefined), task.task === 'multiclass' ? task.classes : undefined);
}
