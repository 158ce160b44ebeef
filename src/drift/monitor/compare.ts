// Compares a live window with the training profile feature by feature, then decides the verdict for the window.
import type { CategoricalProfile, DatasetProfile, NumericProfile } from '../../profile/schema';
import { categoricalFeatureInput, decideFeatureDrift, DEFAULT_THRESHOLDS, jensenShannonDistance, numericFeatureInput, type FeatureDriftResult } from '../stats';
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

function numericVerdict(ref: NumericProfile, live: LiveNumeric, s: MonitorSettings): FeatureVerdict | null {
  const input = numericFeatureInput(live.name, ref, live.binned);
  if (!input || !ref.histogram) return null;
  const r = decideFeatureDrift(input, s.overrides[live.name] ?? {}, { smallReferenceLimit: s.smallReferenceLimit });
  const plot: FeaturePlot = {
    kind: 'numeric',
    edges: [...ref.histogram.edges],
    reference: { counts: [...ref.histogram.counts], below: ref.histogram.underflow, above: ref.histogram.overflow },
    current: { counts: Array.from(live.binned.counts), below: { ...live.binned.below }, above: { ...live.binned.above } },
  };
  return withMissing(r, plot, s);
}

function categoricalVerdict(ref: CategoricalProfile, live: LiveCategorical, s: MonitorSettings): FeatureVerdict {
  const input = categoricalFeatureInput(live.name, ref, live.counts);
  const r = decideFeatureDrift(input, s.overrides[live.name] ?? {}, { smallReferenceLimit: s.smallReferenceLimit });
  const plot: FeaturePlot = {
    kind: 'categorical',
    categories: ref.top.map((t) => t.value),
    reference: { counts: ref.top.map((t) => t.count), other: ref.otherCount },
    current: { counts: Array.from(live.counts.counts), other: live.counts.other },
  };
  return withMissing(r, plot, s);
}

function withMissing(r: FeatureDriftResult, plot: FeaturePlot, s: MonitorSettings): FeatureVerdict {
  const missingRateDrifted = r.missingRateDelta >= s.missingRateThreshold;
  return {
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

function predictionVerdict(reference: DatasetProfile, live: LiveWindow): PredictionVerdict {
  const p = live.prediction;
  const rate = reference.label?.positiveRate ?? null;
  const mean = p.meanProbability;
  const threshold = DEFAULT_THRESHOLDS.jensenshannon;
  const base = {
    method: 'jensenshannon' as const,
    threshold,
    referencePositiveRate: rate,
    meanProbability: mean,
    positiveLabelShare: p.count > 0 ? p.positiveLabels / p.count : null,
    count: p.count,
    histogram: { edges: p.edges, counts: p.counts },
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
  const prediction = predictionVerdict(reference, live);
  const drifted = flagged.map((f) => driftedColumn(f, s));
  if (prediction.drifted && prediction.statistic !== null) {
    drifted.push({ feature: 'prediction', method: prediction.method, statistic: prediction.statistic, threshold: prediction.threshold });
  }
  const verdict: Verdict = dataset.datasetDrift ? 'dataset drift' : drifted.length > 0 ? 'feature drift' : 'no drift';
  return { verdict, dataset, features: verdicts, uncompared, prediction, drifted };
}
