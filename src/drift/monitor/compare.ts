// Compares a live window with the training profile feature by feature, then decides the verdict for the window.
import type { CategoricalProfile, ClassShareProfile, DatasetProfile, NumericProfile } from '../../profile/schema';
import { className } from '../../task/task';
import {
  categoricalFeatureInput,
  decideFeatureDrift,
  decideFineFeatureDrift,
  DEFAULT_THRESHOLDS,
  jensenShannonDistance,
  numericFeatureInput,
  type FeatureDriftResult,
  type FineStatistics,
} from '../stats';
import type { LiveCategorical, LiveNumeric, LiveWindow, MonitoredFeature } from './live';
import type { DatasetDriftSummary, DriftedColumn, FeaturePlot, FeatureVerdict, PredictionVerdict, Verdict } from './report-model';
import type { MonitorSettings } from './settings';

export interface Comparison {
  verdict: Verdict;
  dataset: DatasetDriftSummary;
  features: FeatureVerdict[];
  uncompared: string[];
  prediction: PredictionVerdict | null;
  drifted: DriftedColumn[];
}

/** numpy.std (population) from the profile's sample standard deviation. */
function populationStd(ref: NumericProfile): number | undefined {
  const n = ref.count - ref.nulls;
  return ref.stddev !== null && n > 0 ? ref.stddev * Math.sqrt((n - 1) / n) : undefined;
}

function numericVerdict(ref: NumericProfile, live: LiveNumeric, s: MonitorSettings): FeatureVerdict | null {
  const input = numericFeatureInput(live.name, ref, live.binned);
  if (!input || !ref.histogram) return null;
  const std = populationStd(ref);
  const fine = ref.distribution !== undefined && live.distribution !== undefined;
  const r =
    ref.distribution && live.distribution
      ? decideFineFeatureDrift(
          {
            feature: live.name,
            kind: 'numeric',
            reference: { distribution: ref.distribution, nulls: ref.nulls, ...(std !== undefined ? { std } : {}) },
            current: { distribution: live.distribution, nulls: live.binned.nulls },
          },
          s.overrides[live.name] ?? {},
          { smallReferenceLimit: s.smallReferenceLimit },
        )
      : decideFeatureDrift(input, s.overrides[live.name] ?? {}, { smallReferenceLimit: s.smallReferenceLimit });
  const plot: FeaturePlot = {
    kind: 'numeric',
    edges: [...ref.histogram.edges],
    reference: { counts: [...ref.histogram.counts], below: ref.histogram.underflow, above: ref.histogram.overflow },
    current: { counts: Array.from(live.binned.counts), below: { ...live.binned.below }, above: { ...live.binned.above } },
  };
  return withMissing(r, plot, s, fine);
}

function categoricalVerdict(ref: CategoricalProfile, live: LiveCategorical, s: MonitorSettings): FeatureVerdict {
  const input = categoricalFeatureInput(live.name, ref, live.counts);
  const fine = ref.distribution !== undefined && live.distribution !== undefined;
  const r =
    ref.distribution && live.distribution
      ? decideFineFeatureDrift(
          {
            feature: live.name,
            kind: 'categorical',
            reference: { ...ref.distribution, nulls: ref.nulls },
            current: { ...live.distribution, nulls: live.counts.nulls },
          },
          s.overrides[live.name] ?? {},
          { smallReferenceLimit: s.smallReferenceLimit },
        )
      : decideFeatureDrift(input, s.overrides[live.name] ?? {}, { smallReferenceLimit: s.smallReferenceLimit });
  const plot: FeaturePlot = {
    kind: 'categorical',
    categories: ref.top.map((t) => t.value),
    reference: { counts: ref.top.map((t) => t.count), other: ref.otherCount },
    current: { counts: Array.from(live.counts.counts), other: live.counts.other },
  };
  return withMissing(r, plot, s, fine);
}

/** The fine statistics as the report keeps them (every one, whichever decided). */
function statisticsOf(f: FineStatistics): NonNullable<FeatureVerdict['statistics']> {
  return {
    ...(f.ks ? { ks: f.ks } : {}),
    ...(f.wassersteinNormed !== undefined ? { wassersteinNormed: f.wassersteinNormed } : {}),
    psi: f.psi,
    jensenShannon: f.jensenShannon,
    ...(f.chiSquare ? { chiSquare: { statistic: f.chiSquare.statistic, pValue: f.chiSquare.pValue } } : {}),
    ...(f.unseenShare !== undefined ? { unseenShare: f.unseenShare } : {}),
    referenceMissingRate: f.referenceMissingRate,
    currentMissingRate: f.currentMissingRate,
    distinct: f.distinct,
    buckets: f.buckets,
  };
}

function withMissing(r: FeatureDriftResult & { statistics?: FineStatistics; noiseFloor?: number }, plot: FeaturePlot, s: MonitorSettings, fine: boolean): FeatureVerdict {
  const missingRateDrifted = r.missingRateDelta >= s.missingRateThreshold;
  return {
    ...(r.noiseFloor !== undefined ? { noiseFloor: r.noiseFloor } : {}),
    resolution: fine ? 'fine' : 'coarse',
    ...(r.statistics ? { statistics: statisticsOf(r.statistics) } : {}),
    feature: r.feature,
    kind: r.kind,
    method: r.method,
    statistic: r.statistic,
    threshold: r.threshold,
    ...(r.pValue !== undefined ? { pValue: r.pValue } : {}),
    drifted: r.drifted,
    psi: r.psi,
    missingRateDelta: r.missingRateDelta,
    missingRateDrifted,
    ...(r.unseenShare !== undefined ? { unseenShare: r.unseenShare } : {}),
    referenceCount: r.referenceCount,
    currentCount: r.currentCount,
    ...(r.note !== undefined ? { note: r.note } : {}),
    flagged: r.drifted || missingRateDrifted,
    plot,
  };
}

/**
 * Multiclass: the classes the holdout predictions fell in against the live predicted classes, compared as a categorical
 * feature (Evidently's choice of test for the reference's size).
 */
function classPredictionVerdict(reference: ClassShareProfile, live: LiveWindow, s: MonitorSettings): PredictionVerdict {
  const counts = live.prediction.classCounts ?? reference.classes.map(() => 0);
  const names = reference.classes.map((c) => className(c));
  const side = (n: readonly number[]) => ({ categories: names.map((value, i) => ({ value, count: n[i] ?? 0 })).filter((c) => c.count > 0), otherCount: 0, nulls: 0 });
  const r = decideFineFeatureDrift({ feature: 'prediction', kind: 'categorical', reference: side(reference.predicted), current: side(counts) }, {}, { smallReferenceLimit: s.smallReferenceLimit });
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    method: r.method,
    threshold: r.threshold,
    statistic: r.statistic,
    ...(r.pValue !== undefined ? { pValue: r.pValue } : {}),
    drifted: r.drifted,
    ...(r.note !== undefined ? { note: r.note } : {}),
    referencePositiveRate: null,
    meanProbability: null,
    positiveLabelShare: null,
    count: total,
    histogram: { edges: [], counts: [] },
    resolution: 'fine',
    classes: names,
    referenceShares: reference.predicted.map((c) => (reference.count > 0 ? c / reference.count : 0)),
    shares: counts.map((c) => (total > 0 ? c / total : 0)),
  };
}

function predictionVerdict(reference: DatasetProfile, live: LiveWindow, s: MonitorSettings): PredictionVerdict {
  const p = live.prediction;
  const held = reference.prediction;
  if (held && 'classes' in held) return classPredictionVerdict(held, live, s);
  const scores = held;
  if (scores && p.distribution && p.count > 0) {
    // The holdout scores against the live probabilities, as any numeric feature.
    const r = decideFineFeatureDrift(
      { feature: 'prediction', kind: 'numeric', reference: { distribution: scores.distribution, nulls: 0 }, current: { distribution: p.distribution, nulls: 0 } },
      {},
      { smallReferenceLimit: s.smallReferenceLimit },
    );
    return {
      method: r.method,
      threshold: r.threshold,
      statistic: r.statistic,
      ...(r.pValue !== undefined ? { pValue: r.pValue } : {}),
      drifted: r.drifted,
      referencePositiveRate: reference.label?.positiveRate ?? null,
      referenceMeanProbability: scores.mean,
      meanProbability: p.meanProbability,
      positiveLabelShare: p.positiveLabels / p.count,
      count: p.count,
      histogram: { edges: p.edges, counts: p.counts },
      resolution: 'fine',
    };
  }
  const rate = reference.label?.positiveRate ?? null;
  const mean = p.meanProbability;
  if (scores?.task === 'regression') {
    const base = {
      method: 'jensenshannon' as const,
      threshold: DEFAULT_THRESHOLDS.jensenshannon,
      statistic: null,
      drifted: false,
      referencePositiveRate: null,
      meanProbability: mean,
      positiveLabelShare: null,
      count: p.count,
      histogram: { edges: p.edges, counts: p.counts },
      resolution: 'fine' as const,
    };
    return { ...base, note: 'no captured predictions to compare with the holdout values' };
  }
  const threshold = DEFAULT_THRESHOLDS.jensenshannon;
  const base = {
    method: 'jensenshannon' as const,
    threshold,
    referencePositiveRate: rate,
    meanProbability: mean,
    positiveLabelShare: p.count > 0 ? p.positiveLabels / p.count : null,
    count: p.count,
    histogram: { edges: p.edges, counts: p.counts },
    resolution: 'coarse' as const,
  };
  if (rate === null || mean === null) {
    return { ...base, statistic: null, drifted: false, note: rate === null ? 'the training profile has no label rate to compare with' : 'no captured probabilities' };
  }
  const statistic = jensenShannonDistance([1 - rate, rate], [1 - mean, mean]);
  return { ...base, statistic, drifted: statistic >= threshold };
}

function driftedColumn(f: FeatureVerdict, s: MonitorSettings): DriftedColumn {
  if (f.drifted) return { feature: f.feature, method: f.method, statistic: f.statistic, threshold: f.threshold, ...(f.pValue !== undefined ? { pValue: f.pValue } : {}), psi: f.psi };
  return { feature: f.feature, method: 'missing-rate', statistic: f.missingRateDelta, threshold: s.missingRateThreshold, psi: f.psi };
}

/**
 * The window's verdict: "insufficient data" below minRows (nothing is judged, so nothing can alert);
 * "dataset drift" when the share of flagged features reaches datasetShare (Evidently's rule, with a
 * missing-rate jump counting as a flag); "feature drift" when any feature or the prediction drifted;
 * else "no drift".
 */
export function compareWindow(reference: DatasetProfile, live: LiveWindow, features: readonly MonitoredFeature[], s: MonitorSettings): Comparison {
  const empty: DatasetDriftSummary = { datasetDrift: false, driftShare: s.datasetShare, numberOfFeatures: features.length, numberOfDriftedFeatures: 0, shareOfDriftedFeatures: 0 };
  if (live.rows < s.minRows) return { verdict: 'insufficient data', dataset: empty, features: [], uncompared: [], prediction: null, drifted: [] };

  const verdicts: FeatureVerdict[] = [];
  const uncompared: string[] = [];
  for (const lf of live.features) {
    const ref = reference.features.find((r) => r.name === lf.name);
    let v: FeatureVerdict | null = null;
    if (lf.kind === 'numeric' && ref?.kind === 'numeric') v = numericVerdict(ref, lf, s);
    else if (lf.kind === 'categorical' && ref?.kind === 'categorical') v = categoricalVerdict(ref, lf, s);
    if (v) verdicts.push(v);
    else uncompared.push(lf.name);
  }
  const flagged = verdicts.filter((f) => f.flagged);
  const share = verdicts.length > 0 ? flagged.length / verdicts.length : 0;
  const dataset: DatasetDriftSummary = {
    datasetDrift: verdicts.length > 0 && share >= s.datasetShare,
    driftShare: s.datasetShare,
    numberOfFeatures: verdicts.length,
    numberOfDriftedFeatures: flagged.length,
    shareOfDriftedFeatures: share,
  };
  const prediction = predictionVerdict(reference, live, s);
  const drifted = flagged.map((f) => driftedColumn(f, s));
  if (prediction.drifted && prediction.statistic !== null) {
    drifted.push({
      feature: 'prediction',
      method: prediction.method,
      statistic: prediction.statistic,
      threshold: prediction.threshold,
      ...(prediction.pValue !== undefined ? { pValue: prediction.pValue } : {}),
    });
  }
  const verdict: Verdict = dataset.datasetDrift ? 'dataset drift' : drifted.length > 0 ? 'feature drift' : 'no drift';
  return { verdict, dataset, features: verdicts, uncompared, prediction, drifted };
}
