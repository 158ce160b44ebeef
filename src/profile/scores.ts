// The training side of the prediction distribution: the model's holdout scores as a fine summary stored with the profile.
import { numericDistribution } from './fine';
import { argmax, type ClassValue, type TaskKind } from '../task/task';
import { DatasetProfile, DEFAULT_FINE, type ClassShareProfile, type FineSettings, type PredictionProfile, type ScoreProfile } from './schema';

/** Distinct finite scores with their counts, summarized at the profile's resolution (NaN scores are left out). */
export function scoreProfile(scores: ArrayLike<number>, fine: FineSettings = DEFAULT_FINE): ScoreProfile {
  const finite = Float64Array.from(scores)
    .filter((v) => Number.isFinite(v))
    .sort();
  const values: number[] = [];
  const counts: number[] = [];
  let sum = 0;
  for (const v of finite) {
    sum += v;
    if (values.length > 0 && values[values.length - 1] === v) counts[counts.length - 1]++;
    else {
      values.push(v);
      counts.push(1);
    }
  }
  return { count: finite.length, mean: finite.length ? sum / finite.length : null, distribution: numericDistribution(values, counts, fine.numericCap, fine.bins) };
}

/**
 * The holdout prediction distribution of a model of any task, from its `rows * width` predictions (as predictModel
 * gives them): binary the P(positive) summary (scoreProfile, unchanged); regression the same summary of the values,
 * marked `task: 'regression'`; multiclass the share of rows predicted as each class and the mean probabilities.
 * The drift monitor compares it with the live predictions of the same task.
 */
export function predictionProfile(task: TaskKind, predictions: ArrayLike<number>, width: number, classes?: readonly ClassValue[], fine: FineSettings = DEFAULT_FINE): PredictionProfile {
  if (task === 'binary') return scoreProfile(predictions, fine);
  if (task === 'regression') return { task, ...scoreProfile(predictions, fine) };
  if (!classes || classes.length !== width || width < 2) throw new RangeError(`a multiclass prediction profile needs the ${width} classes of the predictions`);
  return classShareProfile(predictions, classes);
}

function classShareProfile(predictions: ArrayLike<number>, classes: readonly ClassValue[]): ClassShareProfile {
  const k = classes.length;
  const rows = Math.floor(predictions.length / k);
  const predicted = new Array<number>(k).fill(0);
  const sums = new Array<number>(k).fill(0);
  for (let i = 0; i < rows; i++) {
    predicted[argmax(predictions, i * k, k)]++;
    for (let c = 0; c < k; c++) sums[c] += predictions[i * k + c];
  }
  return { task: 'multiclass', count: rows, classes: [...classes], predicted, meanProbabilities: sums.map((s) => (rows > 0 ? s / rows : 0)) };
}

/** The profile with the holdout predictions added; a coarse (version 1) profile is returned as it is. */
export function withScores(profile: DatasetProfile, scores: PredictionProfile): DatasetProfile {
  if (profile.version < 2) return profile;
  return DatasetProfile.parse({ ...profile, prediction: scores });
}
