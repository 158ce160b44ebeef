// The training side of the prediction distribution: the model's holdout scores as a fine summary stored with the profile.
import { numericDistribution } from './fine';
import { DatasetProfile, DEFAULT_FINE, type FineSettings, type ScoreProfile } from './schema';

/** Distinct finite scores with their counts, summarized at the profile's resolution (NaN scores are left out). */
export function scoreProfile(scores: ArrayLike<number>, fine: FineSettings = DEFAULT_FINE): ScoreProfile {
  const finite = Float64Array.from(scores).filter((v) => Number.isFinite(v)).sort();
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

/** The profile with the holdout scores added; a coarse (version 1) profile is returned as it is. */
export function withScores(profile: DatasetProfile, scores: ScoreProfile): DatasetProfile {
  if (profile.version < 2) return profile;
  return DatasetProfile.parse({ ...profile, prediction: scores });
}
