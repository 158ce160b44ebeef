// Live quality metrics of labeled predictions, the holdout figures they are judged against, and the verdict.
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { z } from 'zod';
import { CalibrationBin, evaluateBinary, thresholdMetrics, type Labels, type Probabilities } from '../model/metrics';
import { QualityMonitorSpec } from '../spec/dataset';

export const QualityVerdict = z.enum(['ok', 'degraded', 'insufficient labels']);
export type QualityVerdict = z.infer<typeof QualityVerdict>;

/** The thresholds in force for one run: the spec's monitoring.quality, defaults filled, run input applied. */
export type QualitySettings = QualityMonitorSpec;

export const LiveMetrics = z.object({
  rows: z.number().int(),
  positives: z.number().int(),
  /** Observed positive rate (share of label 1). */
  observedRate: z.number(),
  /** Mean predicted probability. */
  meanPredicted: z.number(),
  auc: z.number().nullable(),
  prAuc: z.number().nullable(),
  logLoss: z.number(),
  brier: z.number(),
  /** At the served threshold. */
  threshold: z.number(),
  accuracy: z.number(),
  precision: z.number(),
  recall: z.number(),
  ece: z.number(),
  calibration: z.array(CalibrationBin),
});
export type LiveMetrics = z.infer<typeof LiveMetrics>;

/** The model's own figures on its holdout, from registry metadata (metrics.candidate); absent ones are null. */
export const HoldoutFigures = z.object({
  rows: z.number().nullable(),
  observedRate: z.number().nullable(),
  meanPredicted: z.number().nullable(),
  auc: z.number().nullable(),
  prAuc: z.number().nullable(),
  logLoss: z.number().nullable(),
  brier: z.number().nullable(),
  /** The trainer reports threshold metrics at 0.5. */
  threshold: z.number(),
  accuracy: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  calibration: z.array(CalibrationBin),
});
export type HoldoutFigures = z.infer<typeof HoldoutFigures>;

export const PositiveRateTest = z.object({
  observed: z.number(),
  predicted: z.number(),
  /** observed - predicted. */
  gap: z.number(),
  /** The gap expected under the null: the holdout's observed - mean predicted, or 0 (positiveRateBaseline). */
  expectedGap: z.number(),
  /** (positives - sum q) / sqrt(sum q(1-q)), q = p + expectedGap: labels drawn from the (shifted) predictions under the null. */
  z: z.number(),
  /** Two-sided. */
  pValue: z.number(),
  significant: z.boolean(),
  beyondMargin: z.boolean(),
});
export type PositiveRateTest = z.infer<typeof PositiveRateTest>;

export const Violation = z.object({
  metric: z.enum(['auc', 'logLoss', 'positiveRate', 'rmse', 'accuracy', 'classMix']),
  live: z.number(),
  holdout: z.number(),
  /** live - holdout (for the positive rate: observed - mean predicted). */
  change: z.number(),
  threshold: z.number(),
  message: z.string(),
});
export type Violation = z.infer<typeof Violation>;

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Holdout figures from a version's `metrics` record (as trainingPipeline registers it). */
export function holdoutFigures(metrics: Record<string, unknown>): HoldoutFigures {
  const c = (metrics.candidate ?? {}) as Record<string, unknown>;
  const cal = z.array(CalibrationBin).safeParse(c.calibration);
  const bins = cal.success ? cal.data : [];
  const n = bins.reduce((a, b) => a + b.count, 0);
  return {
    rows: finite(metrics.holdoutRows) ?? finite(c.rows),
    observedRate: finite(c.prevalence),
    meanPredicted: n > 0 ? bins.reduce((a, b) => a + b.count * b.meanPredicted, 0) / n : null,
    auc: finite(c.auc),
    prAuc: finite(c.prAuc),
    logLoss: finite(c.logLoss),
    brier: finite(c.brier),
    threshold: 0.5,
    accuracy: finite(c.accuracy),
    precision: finite(c.precision),
    recall: finite(c.recall),
    calibration: bins,
  };
}

/** Every live metric: ranking and probability metrics from src/model/metrics, threshold ones at the served threshold. */
export function liveMetrics(label: Labels, proba: Probabilities, threshold: number): LiveMetrics {
  const m = evaluateBinary(label, proba);
  const t = thresholdMetrics(label, proba, threshold);
  let sum = 0;
  for (let i = 0; i < proba.length; i++) sum += proba[i];
  return {
    rows: m.rows,
    positives: m.positives,
    observedRate: m.prevalence,
    meanPredicted: m.rows > 0 ? sum / m.rows : 0,
    auc: m.auc,
    prAuc: m.prAuc,
    logLoss: m.logLoss,
    brier: m.brier,
    threshold,
    accuracy: t.accuracy,
    precision: t.precision,
    recall: t.recall,
    ece: m.ece,
    calibration: m.calibration,
  };
}

/** Two-sided p-value of a standard normal statistic (z^2 is chi-square with one degree of freedom). */
export function twoSidedNormalP(z: number): number {
  if (!Number.isFinite(z)) return 0;
  return Math.max(0, 1 - chisquareCdf(z * z, 1));
}

/**
 * Calibration in the large: under "labels are drawn from the predicted probabilities" the number of
 * positives has mean sum(p) and variance sum(p(1-p)) (Poisson-binomial), so z = (positives - sum p) /
 * sqrt(sum p(1-p)). A violation needs both a significant z and a gap larger than the margin, so big
 * windows do not alert on tiny, harmless gaps.
 */
export function positiveRateTest(label: Labels, proba: Probabilities, settings: Pick<QualitySettings, 'significance' | 'positiveRateMargin'>, expectedGap = 0): PositiveRateTest {
  const n = proba.length;
  let positives = 0;
  let sumP = 0;
  let sumQ = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    positives += label[i];
    sumP += proba[i];
    const q = expectedGap === 0 ? proba[i] : Math.min(1, Math.max(0, proba[i] + expectedGap));
    sumQ += q;
    variance += q * (1 - q);
  }
  const observed = n > 0 ? positives / n : 0;
  const predicted = n > 0 ? sumP / n : 0;
  const diff = positives - sumQ;
  const z = variance > 0 ? diff / Math.sqrt(variance) : diff === 0 ? 0 : Math.sign(diff) * Infinity;
  const pValue = twoSidedNormalP(z);
  const gap = observed - predicted;
  return { observed, predicted, gap, expectedGap, z, pValue, significant: pValue < settings.significance, beyondMargin: Math.abs(gap - expectedGap) > settings.positiveRateMargin };
}

/** The gap the test expects: the holdout's (observed - mean predicted) when asked and known, else 0 (with a note). */
export function expectedGapOf(holdout: HoldoutFigures, s: Pick<QualitySettings, 'positiveRateBaseline'>): { gap: number; note?: string } {
  if (s.positiveRateBaseline === 'zero') return { gap: 0 };
  if (holdout.observedRate === null || holdout.meanPredicted === null) return { gap: 0, note: 'positive-rate gap judged against 0: the version has no holdout calibration' };
  return { gap: holdout.observedRate - holdout.meanPredicted };
}

export interface Decision {
  verdict: QualityVerdict;
  violations: Violation[];
  /** Checks that could not run, and why (e.g. one class among the labels: no AUC). */
  notes: string[];
  summary: string;
}

const f4 = (x: number) => x.toFixed(4);
const pc = (x: number) => `${(x * 100).toFixed(1)}%`;
const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;

/** The verdict on a window: insufficient labels, or ok / degraded with each violation spelled out. */
export function decide(live: LiveMetrics | null, holdout: HoldoutFigures, rate: PositiveRateTest | null, labeled: number, s: QualitySettings): Decision {
  if (!live || !rate || labeled < s.minLabeledRows) {
    return { verdict: 'insufficient labels', violations: [], notes: [], summary: `insufficient labels: ${labeled} labeled predictions, at least ${s.minLabeledRows} needed` };
  }
  const violations: Violation[] = [];
  const notes: string[] = [];
  if (live.auc === null) notes.push('AUC not judged: the labels hold one class only');
  else if (holdout.auc === null) notes.push('AUC not judged: the version has no holdout AUC');
  else if (holdout.auc - live.auc > s.maxAucDrop) {
    violations.push({
      metric: 'auc',
      live: live.auc,
      holdout: holdout.auc,
      change: live.auc - holdout.auc,
      threshold: s.maxAucDrop,
      message: `ROC AUC ${f4(live.auc)} is ${f4(holdout.auc - live.auc)} below the holdout's ${f4(holdout.auc)} (allowed ${s.maxAucDrop})`,
    });
  }
  if (holdout.logLoss === null) notes.push('log loss not judged: the version has no holdout log loss');
  else if (live.logLoss - holdout.logLoss > s.maxLogLossRise) {
    violations.push({
      metric: 'logLoss',
      live: live.logLoss,
      holdout: holdout.logLoss,
      change: live.logLoss - holdout.logLoss,
      threshold: s.maxLogLossRise,
      message: `log loss ${f4(live.logLoss)} is ${f4(live.logLoss - holdout.logLoss)} above the holdout's ${f4(holdout.logLoss)} (allowed ${s.maxLogLossRise})`,
    });
  }
  if (rate.significant && rate.beyondMargin) {
    violations.push({
      metric: 'positiveRate',
      live: rate.observed,
      holdout: rate.predicted,
      change: rate.gap,
      threshold: s.positiveRateMargin,
      message: `observed positive rate ${pc(rate.observed)} vs mean predicted ${pc(rate.predicted)}: gap ${pts(rate.gap)} points${rate.expectedGap !== 0 ? ` where the holdout's was ${pts(rate.expectedGap)}` : ''}, z = ${rate.z.toFixed(2)}, p = ${rate.pValue.toExponential(2)} (violation when p < ${s.significance} and the gap moves by more than ${s.positiveRateMargin})`,
    });
  }
  const summary = violations.length
    ? `degraded on ${labeled} labeled predictions: ${violations.map((v) => v.message).join('; ')}`
    : `ok on ${labeled} labeled predictions: AUC ${live.auc === null ? '–' : f4(live.auc)} (holdout ${holdout.auc === null ? '–' : f4(holdout.auc)}), log loss ${f4(live.logLoss)} (holdout ${holdout.logLoss === null ? '–' : f4(holdout.logLoss)}), positive rate ${pc(rate.observed)} vs predicted ${pc(rate.predicted)}`;
  return { verdict: violations.length ? 'degraded' : 'ok', violations, notes, summary };
}
