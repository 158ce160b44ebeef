// Every drift statistic from two fine summaries, and the drift decision on them (Evidently's method choice and conventions).

import { chiSquareTest } from './chisquare';
import { DEFAULT_THRESHOLDS, driftSettingsSchema, type DriftSettingsInput, type FeatureDriftOverride } from './config';
import { isPValueMethod, type FeatureDriftResult } from './decide';
import { categoryBucketsOf, numericBucketsOf, psiEvidently, type FineCategories, type PairedBuckets } from './fine-buckets';
import { cdfOf, distinctValues, ksStatisticFine, wassersteinFine, type FineNumeric } from './fine-numeric';
import { jensenShannonDistance } from './jensen-shannon';
import { ksPValue } from './ks';
import { missingRate } from './missing';
import type { DriftMethod, KsMode } from './types';
import { MIN_REFERENCE_STD } from './wasserstein';

export interface FineNumericInput {
  feature: string;
  kind: 'numeric';
  /** `std`: the reference's population standard deviation (numpy.std), when known exactly (the profile's moments). */
  reference: { distribution: FineNumeric; nulls: number; std?: number };
  current: { distribution: FineNumeric; nulls: number };
}

export interface FineCategoricalInput {
  feature: string;
  kind: 'categorical';
  reference: FineCategories & { nulls: number };
  current: FineCategories & { nulls: number };
}

export type FineFeatureInput = FineNumericInput | FineCategoricalInput;

/** Every statistic for one feature; those a feature's kind does not have are absent. */
export interface FineStatistics {
  referenceCount: number;
  currentCount: number;
  /** Distinct values over both sides (Evidently's n_unique; a lower bound when a side is summarized in bins). */
  distinct: number;
  ks?: { statistic: number; pValue: number };
  /** Wasserstein-1 / max(reference population std, 0.001), as Evidently's wasserstein. */
  wassersteinNormed?: number;
  wasserstein?: number;
  /** Evidently's PSI on Evidently's buckets (see numericBucketsOf / categoryBucketsOf), natural log. */
  psi: number;
  /** scipy.spatial.distance.jensenshannon on the same buckets, natural log (base e): range [0, sqrt(ln 2)]. */
  jensenShannon: number;
  /**
   * scipy.stats.chisquare of current counts against reference shares (guard for unseen buckets: see chiSquareTest), on
   * per-value buckets only: categories, and numeric features with at most 20 distinct reference values (where
   * Evidently runs it). On Sturges bins it would hinge on counts a quantile summary only approximates, and KS is there.
   */
  chiSquare?: { statistic: number; pValue: number; degreesOfFreedom: number };
  referenceMissingRate: number;
  currentMissingRate: number;
  /** Categorical: share of current non-null values in no reference category (an upper bound if the reference was capped). */
  unseenShare?: number;
  buckets: PairedBuckets['rule'];
  /** Buckets with a value on either side (the k of noiseFloor). */
  nonEmptyBuckets: number;
}

function total(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

function categoricalTotal(c: FineCategories): number {
  return c.categories.reduce((s, x) => s + x.count, 0) + c.otherCount;
}

function populationStd(d: FineNumeric): number {
  // From the summary (exact for exact counts; bins contribute their mean only, used when no exact std is given).
  const xs = d.kind === 'exact' ? d.values : Array.from(d.lo, (_, i) => d.sums[i] / Math.max(1, d.counts[i]));
  let n = 0;
  let m = 0;
  for (let i = 0; i < xs.length; i++) {
    n += d.counts[i];
    m += d.counts[i] * xs[i];
  }
  m /= n;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += d.counts[i] * (xs[i] - m) ** 2;
  return Math.sqrt(ss / n);
}

/** All statistics from two fine summaries. Both sides need at least one non-null value. */
export function fineStatistics(input: FineFeatureInput, ksMode: KsMode = 'auto', epsilon?: number): FineStatistics {
  if (input.kind === 'numeric') {
    const r = cdfOf(input.reference.distribution);
    const c = cdfOf(input.current.distribution);
    const nr = Math.round(r.total);
    const nc = Math.round(c.total);
    if (nr === 0 || nc === 0) throw new RangeError(`feature ${input.feature}: a side has no values`);
    const d = ksStatisticFine(r, c);
    const ks = ksPValue(d, nr, nc, ksMode);
    const w = wassersteinFine(r, c);
    const std = input.reference.std ?? populationStd(input.reference.distribution);
    const buckets = numericBucketsOf(input.reference.distribution, input.current.distribution, r, c);
    return {
      referenceCount: nr,
      currentCount: nc,
      distinct: unionDistinct(input.reference.distribution, input.current.distribution),
      ks: { statistic: ks.statistic, pValue: ks.pValue },
      wasserstein: w,
      wassersteinNormed: w / Math.max(std, MIN_REFERENCE_STD),
      ...bucketStatistics(buckets, epsilon),
      referenceMissingRate: missingRate(input.reference.nulls, nr),
      currentMissingRate: missingRate(input.current.nulls, nc),
      buckets: buckets.rule,
    };
  }
  const nr = categoricalTotal(input.reference);
  const nc = categoricalTotal(input.current);
  if (nr === 0 || nc === 0) throw new RangeError(`feature ${input.feature}: a side has no values`);
  const buckets = categoryBucketsOf(input.reference, input.current);
  const known = new Set(input.reference.categories.map((x) => x.value));
  let unseen = input.current.otherCount;
  for (const x of input.current.categories) if (!known.has(x.value)) unseen += x.count;
  return {
    referenceCount: nr,
    currentCount: nc,
    distinct: buckets.reference.length,
    ...bucketStatistics(buckets, epsilon),
    referenceMissingRate: missingRate(input.reference.nulls, nr),
    currentMissingRate: missingRate(input.current.nulls, nc),
    unseenShare: unseen / nc,
    buckets: buckets.rule,
  };
}

function bucketStatistics(b: PairedBuckets, epsilon?: number): Pick<FineStatistics, 'psi' | 'jensenShannon' | 'chiSquare' | 'nonEmptyBuckets'> {
  let nonEmpty = 0;
  for (let i = 0; i < b.reference.length; i++) if (b.reference[i] > 0 || b.current[i] > 0) nonEmpty++;
  return {
    nonEmptyBuckets: nonEmpty,
    psi: psiEvidently(b),
    jensenShannon: jensenShannonDistance(b.reference, b.current),
    ...(b.rule === 'values' ? { chiSquare: chiSquareTest(b.current, b.reference, epsilon) } : {}),
  };
}

function unionDistinct(a: FineNumeric, b: FineNumeric): number {
  if (a.kind !== 'exact' || b.kind !== 'exact') return Math.max(distinctValues(a), distinctValues(b));
  const s = new Set<number>();
  for (const d of [a, b]) for (let i = 0; i < d.values.length; i++) if (d.counts[i] > 0) s.add(d.values[i]);
  return s.size;
}

/**
 * Evidently's default (DataDriftPreset): reference <= 1000 values: numeric with more than 5 distinct values KS, else
 * chi-square (Evidently's z-test for two values is left out); larger references: numeric with more than 5 distinct
 * values normed Wasserstein, else Jensen-Shannon. Distinct counts over both sides, as Evidently's n_unique.
 */
export function chooseFineMethod(kind: 'numeric' | 'categorical', referenceCount: number, distinct: number, smallReferenceLimit = 1000): DriftMethod {
  const small = referenceCount <= smallReferenceLimit;
  if (kind === 'numeric' && distinct > 5) return small ? 'ks' : 'wasserstein';
  return small ? 'chisquare' : 'jensenshannon';
}

const NUMERIC_FINE: ReadonlySet<DriftMethod> = new Set<DriftMethod>(['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare']);
const CATEGORICAL_FINE: ReadonlySet<DriftMethod> = new Set<DriftMethod>(['chisquare', 'jensenshannon', 'psi']);

/** Result of one statistic picked from FineStatistics. */
function pick(method: DriftMethod, s: FineStatistics): { statistic: number; pValue?: number } {
  switch (method) {
    case 'ks':
      if (!s.ks) throw new RangeError('ks needs numeric data');
      return { statistic: s.ks.statistic, pValue: s.ks.pValue };
    case 'wasserstein':
      if (s.wassersteinNormed === undefined) throw new RangeError('wasserstein needs numeric data');
      return { statistic: s.wassersteinNormed };
    case 'chisquare':
      if (!s.chiSquare) throw new RangeError('chisquare needs categories or a numeric feature with at most 20 distinct values');
      return { statistic: s.chiSquare.statistic, pValue: s.chiSquare.pValue };
    case 'jensenshannon':
      return { statistic: s.jensenShannon };
    case 'psi':
      return { statistic: s.psi };
  }
}

function sideCounts(input: FineFeatureInput): [number, number] {
  if (input.kind === 'numeric') {
    return [Math.round(total(input.reference.distribution.counts)), Math.round(total(input.current.distribution.counts))];
  }
  return [categoricalTotal(input.reference), categoricalTotal(input.current)];
}

/**
 * What a distance over buckets reads when nothing drifted, from sampling alone (to first order: the statistics are
 * chi-square like, sum (p - q)^2 / m over k non-empty buckets, expectation (k - 1)(1/n1 + 1/n2)): Jensen-Shannon
 * divergence (k - 1)(1/n1 + 1/n2) / 8, so a distance floor of its square root; PSI (k - 1)(1/n1 + 1/n2). Small against
 * 0.1 for large windows (225 categories, 200,000 live rows: JS 0.018), large for small ones (2,000 rows: JS 0.12, above
 * the threshold on identically distributed data). Zero for the other methods.
 */
export function noiseFloor(method: DriftMethod, s: FineStatistics, buckets: number): number {
  const k = Math.max(0, buckets - 1);
  const inv = 1 / s.referenceCount + 1 / s.currentCount;
  if (method === 'jensenshannon') return Math.sqrt((k * inv) / 8);
  if (method === 'psi') return k * inv;
  return 0;
}

/** The statistic less its no-drift floor: sqrt(stat^2 - floor^2) for a distance, stat - floor for PSI, never below 0. */
function corrected(method: DriftMethod, statistic: number, floor: number): number {
  if (method === 'jensenshannon') return Math.sqrt(Math.max(0, statistic * statistic - floor * floor));
  if (method === 'psi') return Math.max(0, statistic - floor);
  return statistic;
}

/**
 * Decides drift for one feature from fine summaries; the result has the same shape as decideFeatureDrift's. The
 * statistic reported is Evidently's; the decision for Jensen-Shannon and PSI is on that statistic less its no-drift
 * floor (see noiseFloor), so a window too small to tell a 0.1 distance from sampling noise is not called drifted.
 * For large windows the floor vanishes and the decision is Evidently's.
 */
export function decideFineFeatureDrift(
  input: FineFeatureInput,
  override: FeatureDriftOverride = {},
  settings: DriftSettingsInput = {},
): FeatureDriftResult & { statistics?: FineStatistics; noiseFloor?: number } {
  const s = driftSettingsSchema.parse(settings);
  const [referenceCount, currentCount] = sideCounts(input);
  const missingRateDelta = Math.abs(missingRate(input.current.nulls, currentCount) - missingRate(input.reference.nulls, referenceCount));
  if (referenceCount === 0 || currentCount === 0) {
    const method = override.method ?? chooseFineMethod(input.kind, referenceCount, 0, s.smallReferenceLimit);
    const side = referenceCount === 0 ? 'reference' : 'live data';
    return {
      feature: input.feature,
      kind: input.kind,
      method,
      statistic: 0,
      threshold: override.threshold ?? DEFAULT_THRESHOLDS[method],
      ...(isPValueMethod(method) ? { pValue: 1 } : {}),
      drifted: false,
      psi: 0,
      missingRateDelta,
      referenceCount,
      currentCount,
      note: `no non-null values in the ${side}; distribution drift not tested (see missingRateDelta)`,
    };
  }
  const stats = fineStatistics(input, s.ksMode, s.epsilon);
  const method = override.method ?? chooseFineMethod(input.kind, referenceCount, stats.distinct, s.smallReferenceLimit);
  if (!(input.kind === 'numeric' ? NUMERIC_FINE : CATEGORICAL_FINE).has(method)) {
    throw new RangeError(`feature ${input.feature}: method ${method} does not apply to ${input.kind} data`);
  }
  const threshold = override.threshold ?? DEFAULT_THRESHOLDS[method];
  const r = pick(method, stats);
  const floor = noiseFloor(method, stats, stats.nonEmptyBuckets);
  const drifted = isPValueMethod(method) ? (r.pValue as number) < threshold : corrected(method, r.statistic, floor) >= threshold;
  return {
    ...(floor > 0 ? { noiseFloor: floor } : {}),
    feature: input.feature,
    kind: input.kind,
    method,
    statistic: r.statistic,
    threshold,
    ...(r.pValue !== undefined ? { pValue: r.pValue } : {}),
    drifted,
    psi: stats.psi,
    missingRateDelta,
    ...(stats.unseenShare !== undefined ? { unseenShare: stats.unseenShare } : {}),
    referenceCount,
    currentCount,
    statistics: stats,
  };
}
