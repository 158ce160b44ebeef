// Public surface of the drift statistics: pure functions over samples, histograms and category counts.

export * from './types';
export * from './config';
export { ksTwoSample, ksFromBinned, ksPValue, type KsResult } from './ks';
export { kolmogorovSf } from './kolmogorov';
export { smirnovSf } from './smirnov';
export { wassersteinDistance, wassersteinNormed, wassersteinFromBinned, wassersteinNormedFromBinned, binnedAsWeightedPoints, standardDeviation, MIN_REFERENCE_STD } from './wasserstein';
export { psi, PSI_EPSILON } from './psi';
export { chiSquareTest, chiSquareSf, CHISQUARE_EPSILON, type ChiSquareResult } from './chisquare';
export { jensenShannonDistance } from './jensen-shannon';
export { categoryBuckets, categoryTotal, unseenShare } from './categorical';
export { missingRate, missingRateDelta } from './missing';
export { binNumeric, type BinnedLive } from './binning';
export { countCategories, countCategoryCodes, type CategoryCountsLive } from './category-counts';
export { binnedTotal, bucketCounts, histogram, assertSameEdges } from './binned';
export * from './decide';
export {
  numericFeatureInput,
  categoricalFeatureInput,
  profileCategories,
  binnedFromProfileHistogram,
  type NumericProfileLike,
  type CategoricalProfileLike,
  type ProfileHistogramLike,
} from './from-profile';
export { cdfOf, massBelow, ksStatisticFine, wassersteinFine, countsOnEdges, type FineNumeric, type PiecewiseCdf } from './fine-numeric';
export { categoryBucketsOf, numericBucketsOf, sturgesEdges, evidentlyShares, psiEvidently, type FineCategories, type PairedBuckets } from './fine-buckets';
export { fineStatistics, chooseFineMethod, decideFineFeatureDrift, type FineFeatureInput, type FineNumericInput, type FineCategoricalInput, type FineStatistics } from './fine';
