// Per-feature and dataset drift decisions from profile summaries and live counts, with Evidently's method choice.

import { assertSameEdges, binnedTotal, bucketCounts } from './binned';
import { categoryBuckets, categoryTotal, unseenShare } from './categorical';
import { chiSquareTest } from './chisquare';
import { DEFAULT_THRESHOLDS, driftSettingsSchema, type DriftSettings, type DriftSettingsInput, type FeatureDriftOverride } from './config';
import { jensenShannonDistance } from './jensen-shannon';
import { ksFromBinned } from './ks';
import { missingRateDelta } from './missing';
import { psi } from './psi';
import type { BinnedNumeric, CategoryCounts, DriftMethod, KsMode, TestResult } from './types';
import { wassersteinNormedFromBinned } from './wasserstein';

/** A numeric feature: the profile's histogram (optionally its exact std) and live values binned on the same edges. */
export interface NumericFeatureInput {
  feature: string;
  kind: 'numeric';
  reference: BinnedNumeric & { nulls: number; std?: number };
  current: BinnedNumeric & { nulls: number };
}

/** A categorical feature: the profile's top-K counts + other, and live counts against the same categories. */
export interface CategoricalFeatureInput {
  feature: string;
  kind: 'categorical';
  reference: CategoryCounts & { nulls: number };
  current: CategoryCounts & { nulls: number };
}

export type FeatureDriftInput = NumericFeatureInput | CategoricalFeatureInput;

export interface FeatureDriftResult {
  feature: string;
  kind: 'numeric' | 'categorical';
  method: DriftMethod;
  /** KS D, chi-square statistic, normed Wasserstein, Jensen-Shannon distance or PSI, per `method`. */
  statistic: number;
  /** p-value methods: drift when pValue < threshold; others: drift when statistic >= threshold. */
  threshold: number;
  pValue?: number;
  drifted: boolean;
  /** Always reported, whatever the method, as a scale-free summary of the shift. */
  psi: number;
  /** |live missing share - reference missing share|. */
  missingRateDelta: number;
  /** Categorical only: share of live values outside the profile's categories (see unseenShare). */
  unseenShare?: number;
  /** Non-null values compared. */
  referenceCount: number;
  currentCount: number;
  /** Why the test could not run (a side without values); drifted is then false. */
  note?: string;
}

export interface DatasetDriftResult {
  datasetDrift: boolean;
  /** The share of drifted features at which the dataset counts as drifted. */
  driftShare: number;
  numberOfFeatures: number;
  numberOfDriftedFeatures: number;
  shareOfDriftedFeatures: number;
  features: FeatureDriftResult[];
}

const NUMERIC_METHODS: ReadonlySet<DriftMethod> = new Set<DriftMethod>(['ks', 'wasserstein', 'psi', 'jensenshannon']);
const CATEGORICAL_METHODS: ReadonlySet<DriftMethod> = new Set<DriftMethod>(['chisquare', 'jensenshannon', 'psi']);

/** True for methods whose decision is on a p-value (drift when p < threshold). */
export function isPValueMethod(method: DriftMethod): boolean {
  return method === 'ks' || method === 'chisquare';
}

/**
 * Evidently's default: a small reference (<= 1000 values) gets a hypothesis test (KS / chi-square),
 * which is sensitive enough there; a large one a distance (normed Wasserstein / Jensen-Shannon),
 * because with many values a test flags even negligible shifts. (Evidently also looks at the number of
 * unique values, which a profile does not keep; that refinement is left out.)
 */
export function chooseMethod(kind: 'numeric' | 'categorical', referenceCount: number, smallReferenceLimit = 1000): DriftMethod {
  const small = referenceCount <= smallReferenceLimit;
  if (kind === 'numeric') return small ? 'ks' : 'wasserstein';
  return small ? 'chisquare' : 'jensenshannon';
}

interface Prepared {
  refBuckets: Float64Array;
  curBuckets: Float64Array;
  referenceCount: number;
  currentCount: number;
  missingRateDelta: number;
  unseenShare?: number;
}

function prepare(input: FeatureDriftInput): Prepared {
  if (input.kind === 'numeric') {
    assertSameEdges(input.reference, input.current);
    const referenceCount = binnedTotal(input.reference);
    const currentCount = binnedTotal(input.current);
    return {
      refBuckets: bucketCounts(input.reference),
      curBuckets: bucketCounts(input.current),
      referenceCount,
      currentCount,
      missingRateDelta: missingRateDelta(input.reference.nulls, referenceCount, input.current.nulls, currentCount),
    };
  }
  if (input.reference.counts.length !== input.current.counts.length) {
    throw new RangeError(`feature ${input.feature}: reference and live counts cover different category lists`);
  }
  const referenceCount = categoryTotal(input.reference);
  const currentCount = categoryTotal(input.current);
  return {
    refBuckets: categoryBuckets(input.reference),
    curBuckets: categoryBuckets(input.current),
    referenceCount,
    currentCount,
    missingRateDelta: missingRateDelta(input.reference.nulls, referenceCount, input.current.nulls, currentCount),
    unseenShare: unseenShare(input.current),
  };
}

function runMethod(method: DriftMethod, input: FeatureDriftInput, p: Prepared, ksMode: KsMode, epsilon: number): TestResult {
  switch (method) {
    case 'ks': {
      if (input.kind !== 'numeric') throw new RangeError('ks needs numeric data');
      const r = ksFromBinned(input.reference, input.current, ksMode);
      return { statistic: r.statistic, pValue: r.pValue };
    }
    case 'wasserstein': {
      if (input.kind !== 'numeric') throw new RangeError('wasserstein needs numeric data');
      return { statistic: wassersteinNormedFromBinned(input.reference, input.current, input.reference.std) };
    }
    case 'chisquare': {
      const r = chiSquareTest(p.curBuckets, p.refBuckets, epsilon);
      return { statistic: r.statistic, pValue: r.pValue };
    }
    case 'jensenshannon':
      return { statistic: jensenShannonDistance(p.refBuckets, p.curBuckets) };
    case 'psi':
      return { statistic: psi(p.refBuckets, p.curBuckets, epsilon) };
  }
}

/**
 * Decides drift for one feature. Pure: same inputs, same result. The method is the override's, else
 * chooseMethod(); the threshold the override's, else the method's default (DEFAULT_THRESHOLDS).
 * Throws RangeError for an override method that does not suit the feature's kind, or mismatched bins.
 */
export function decideFeatureDrift(input: FeatureDriftInput, override: FeatureDriftOverride = {}, settings: DriftSettingsInput = {}): FeatureDriftResult {
  const s: DriftSettings = driftSettingsSchema.parse(settings);
  const p = prepare(input);
  const method = override.method ?? chooseMethod(input.kind, p.referenceCount, s.smallReferenceLimit);
  const allowed = input.kind === 'numeric' ? NUMERIC_METHODS : CATEGORICAL_METHODS;
  if (!allowed.has(method)) throw new RangeError(`feature ${input.feature}: method ${method} does not apply to ${input.kind} data`);
  const threshold = override.threshold ?? DEFAULT_THRESHOLDS[method];
  const pValueMethod = isPValueMethod(method);

  const base = {
    feature: input.feature,
    kind: input.kind,
    method,
    threshold,
    missingRateDelta: p.missingRateDelta,
    referenceCount: p.referenceCount,
    currentCount: p.currentCount,
    ...(p.unseenShare !== undefined ? { unseenShare: p.unseenShare } : {}),
  };
  if (p.referenceCount === 0 || p.currentCount === 0) {
    const side = p.referenceCount === 0 ? 'reference' : 'live data';
    return {
      ...base,
      statistic: 0,
      ...(pValueMethod ? { pValue: 1 } : {}),
      drifted: false,
      psi: 0,
      note: `no non-null values in the ${side}; distribution drift not tested (see missingRateDelta)`,
    };
  }
  const r = runMethod(method, input, p, s.ksMode, s.epsilon);
  const drifted = pValueMethod ? (r.pValue as number) < threshold : r.statistic >= threshold;
  return {
    ...base,
    statistic: r.statistic,
    ...(r.pValue !== undefined ? { pValue: r.pValue } : {}),
    drifted,
    psi: method === 'psi' ? r.statistic : psi(p.refBuckets, p.curBuckets, s.epsilon),
  };
}

/** Dataset drift: the share of drifted features reaches `driftShare` (Evidently: share >= 0.5). */
export function decideDatasetDrift(features: readonly FeatureDriftResult[], driftShare = 0.5): DatasetDriftResult {
  const drifted = features.filter((f) => f.drifted).length;
  const share = features.length > 0 ? drifted / features.length : 0;
  return {
    datasetDrift: features.length > 0 && share >= driftShare,
    driftShare,
    numberOfFeatures: features.length,
    numberOfDriftedFeatures: drifted,
    shareOfDriftedFeatures: share,
    features: [...features],
  };
}

/** Every feature with its override from `settings.features`, then the dataset decision. */
export function detectDrift(inputs: readonly FeatureDriftInput[], settings: DriftSettingsInput = {}): DatasetDriftResult {
  const s = driftSettingsSchema.parse(settings);
  const results = inputs.map((input) => decideFeatureDrift(input, s.features[input.feature] ?? {}, s));
  return decideDatasetDrift(results, s.driftShare);
}
