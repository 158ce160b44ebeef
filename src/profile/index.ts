// The dataset profile's public surface: compute, merge, store, and turn into suggested constraints.
export { profileSnapshot, profileRelation, type ProfileOptions } from './profile';
export { mergeProfiles } from './merge';
export { suggestConstraints, writeSuggestedConstraints, type SuggestOptions } from './suggest';
export { writeProfile, readProfile } from './io';
export { binIndex, binSql, histogramCounts, quantileFromHistogram, edgesFromCutPoints, type BinCounts } from './histogram';
export {
  DatasetProfile,
  FeatureProfile,
  NumericProfile,
  CategoricalProfile,
  Histogram,
  QUANTILE_KEYS,
  QUANTILE_FRACTIONS,
  NumericDistribution,
  CategoryDistribution,
  ScoreProfile,
  ClassShareProfile,
  PredictionProfile,
  FineSettings,
  DEFAULT_FINE,
  PROFILE_VERSION,
} from './schema';
export { numericDistribution, categoryDistribution, mergeNumericDistributions, mergeCategoryDistributions } from './fine';
export { predictionProfile, scoreProfile, withScores } from './scores';
