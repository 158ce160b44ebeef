// Live quality of regression and multiclass models (the metrics scikit-learn computes on the joined rows), the holdout figures they are judged against, and the class-mix test.
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { z } from 'zod';
import { evaluateMulticlass } from '../model/metrics-multiclass';
import { mae, r2Score, rmse } from '../model/metrics-regression';
import { ClassValue } from '../task/task';

const nullableNumber = z.number().nullable();

export const RegressionLive = z.object({
  task: z.literal('regression'),
  rows: z.number().int(),
  rmse: z.number(),
  mae: z.number(),
  /** 1 - SSres/SStot; with constant targets 1 when every prediction is exact, else 0 (scikit-learn's force_finite). */
  r2: z.number(),
  meanTarget: z.number(),
  meanPrediction: z.number(),
  /** Mean of target - prediction: a shift of the live targets the model does not follow shows here first. */
  meanResidual: z.number(),
});
export type RegressionLive = z.infer<typeof RegressionLive>;

export const MulticlassLive = z.object({
  task: z.literal('multiclass'),
  rows: z.number().int(),
  classes: z.array(ClassValue),
  accuracy: z.number(),
  logLoss: z.number(),
  /** Unweighted mean F1 over every class (scikit-learn's average='macro' with labels = the classes), as the holdout's. */
  macroF1: z.number(),
  /** Share of each class among the true labels. */
  observedShares: z.array(z.number()),
  /** Mean predicted probability of each class. */
  predictedShares: z.array(z.number()),
  /** Rows = actual class, columns = predicted class. */
  confusion: z.array(z.array(z.number().int())),
});
export type MulticlassLive = z.infer<typeof MulticlassLive>;

/** A regression version's own holdout figures (registry metrics.candidate, RegressionMetrics). */
export const RegressionHoldout = z.object({ task: z.literal('regression'), rows: nullableNumber, rmse: nullableNumber, mae: nullableNumber, r2: nullableNumber, meanTarget: nullableNumber });
export type RegressionHoldout = z.infer<typeof RegressionHoldout>;

/** A multiclass version's own holdout figures (registry metrics.candidate, MulticlassMetrics); class shares from its confusion matrix. */
export const MulticlassHoldout = z.object({
  task: z.literal('multiclass'),
  rows: nullableNumber,
  accuracy: nullableNumber,
  logLoss: nullableNumber,
  macroF1: nullableNumber,
  classShares: z.array(z.number()).nullable(),
});
export type MulticlassHoldout = z.infer<typeof MulticlassHoldout>;

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function regressionHoldout(metrics: Record<string, unknown>): RegressionHoldout {
  const c = (metrics.candidate ?? {}) as Record<string, unknown>;
  return { task: 'regression', rows: finite(metrics.holdoutRows) ?? finite(c.rows), rmse: finite(c.rmse), mae: finite(c.mae), r2: finite(c.r2), meanTarget: finite(c.meanTarget) };
}

export function multiclassHoldout(metrics: Record<string, unknown>, classes: number): MulticlassHoldout {
  const c = (metrics.candidate ?? {}) as Record<string, unknown>;
  const confusion = z.array(z.array(z.number().nonnegative())).length(classes).safeParse(c.confusion);
  let classShares: number[] | null = null;
  if (confusion.success) {
    const rowSums = confusion.data.map((r) => r.reduce((a, b) => a + b, 0));
    const n = rowSums.reduce((a, b) => a + b, 0);
    if (n > 0) classShares = rowSums.map((s) => s / n);
  }
  return { task: 'multiclass', rows: finite(metrics.holdoutRows) ?? finite(c.rows), accuracy: finite(c.accuracy), logLoss: finite(c.logLoss), macroF1: finite(c.macroF1), classShares };
}

/** RMSE, MAE and R^2 of `prediction` against `target` (same length, > 0): the training evaluation's functions (src/model/metrics-regression). */
export function regressionLive(target: ArrayLike<number>, prediction: ArrayLike<number>): RegressionLive {
  const n = target.length;
  let sumY = 0;
  let sumP = 0;
  for (let i = 0; i < n; i++) {
    sumY += target[i];
    sumP += prediction[i];
  }
  const e = rmse(target, prediction);
  // one row has no R^2 (scikit-learn warns and returns nan): 1 when exact, else 0, as with constant targets
  const r2 = r2Score(target, prediction) ?? (e === 0 ? 1 : 0);
  return { task: 'regression', rows: n, rmse: e, mae: mae(target, prediction), r2, meanTarget: sumY / n, meanPrediction: sumP / n, meanResidual: (sumY - sumP) / n };
}

/**
 * Accuracy, log loss, macro-F1 (over every class) and the confusion matrix of the joined rows, by the training
 * evaluation's function (src/model/metrics-multiclass): `actual[i]` is the true class index, `proba` holds
 * `classes.length` probabilities per row; the predicted class is the most probable.
 */
export function multiclassLive(actual: ArrayLike<number>, proba: ArrayLike<number>, classes: readonly ClassValue[]): MulticlassLive {
  const m = evaluateMulticlass(actual, proba, classes);
  return {
    task: 'multiclass',
    rows: m.rows,
    classes: m.classes,
    accuracy: m.accuracy,
    logLoss: m.logLoss,
    macroF1: m.macroF1,
    observedShares: m.perClass.map((c) => c.support / m.rows),
    predictedShares: m.perClass.map((c) => c.meanProbability),
    confusion: m.confusion,
  };
}

export const ClassMixTest = z.object({
  /** Where the expected mix comes from: the holdout's class shares, else the mean predicted probabilities. */
  basis: z.enum(['holdout', 'predicted']),
  expected: z.array(z.number()),
  observed: z.array(z.number()),
  /** Pearson's statistic sum (O - E)^2 / E over the classes with E > 0. */
  chiSquare: z.number(),
  degreesOfFreedom: z.number().int(),
  pValue: z.number(),
  /** Largest |observed - expected| share. */
  maxShift: z.number(),
  significant: z.boolean(),
  beyondMargin: z.boolean(),
});
export type ClassMixTest = z.infer<typeof ClassMixTest>;

/**
 * Goodness of fit of the live labels' class counts to the expected shares (scipy.stats.chisquare). A violation needs a
 * significant test and a share moving by more than the margin, so a big window does not alert on a harmless shift.
 * A class expected at 0 that occurs makes the statistic infinite (stored as Number.MAX_VALUE, p = 0).
 */
export function classMixTest(
  observedShares: readonly number[],
  rows: number,
  expected: readonly number[],
  basis: ClassMixTest['basis'],
  s: { significance: number; classMixMargin: number },
): ClassMixTest {
  let stat = 0;
  let cells = 0;
  let maxShift = 0;
  for (let c = 0; c < expected.length; c++) {
    const o = observedShares[c] * rows;
    const e = expected[c] * rows;
    maxShift = Math.max(maxShift, Math.abs(observedShares[c] - expected[c]));
    if (e > 0) {
      stat += ((o - e) * (o - e)) / e;
      cells++;
    } else if (o > 0) stat = Number.MAX_VALUE; // infinite in theory; finite so the report stays valid JSON
  }
  const df = Math.max(1, cells - 1);
  const pValue = stat < Number.MAX_VALUE ? Math.max(0, 1 - chisquareCdf(stat, df)) : 0;
  return {
    basis,
    expected: [...expected],
    observed: [...observedShares],
    chiSquare: stat,
    degreesOfFreedom: df,
    pValue,
    maxShift,
    significant: pValue < s.significance,
    beyondMargin: maxShift > s.classMixMargin,
  };
}

/** A violation of a regression or multiclass rule (the binary ones are in verdict.ts). */
export interface TaskViolation {
  metric: 'rmse' | 'accuracy' | 'logLoss' | 'classMix';
  live: number;
  holdout: number;
  change: number;
  threshold: number;
  message: string;
}

export interface TaskDecision {
  violations: TaskViolation[];
  notes: string[];
  /** The figures named in an "ok" summary. */
  okSummary: string;
}

const f4 = (x: number) => x.toFixed(4);
const pc = (x: number) => `${(x * 100).toFixed(1)}%`;

interface TaskRules {
  maxRmseRise: number;
  maxAccuracyDrop: number;
  maxLogLossRise: number;
  significance: number;
  classMixMargin: number;
}

/** Regression: a violation when live RMSE is above the holdout's by more than maxRmseRise of it. */
export function regressionRules(live: RegressionLive, holdout: RegressionHoldout, s: TaskRules): TaskDecision {
  const violations: TaskViolation[] = [];
  const notes: string[] = [];
  if (holdout.rmse === null) notes.push('RMSE not judged: the version has no holdout RMSE');
  else {
    const limit = holdout.rmse * (1 + s.maxRmseRise);
    if (live.rmse > limit) {
      const rise = holdout.rmse > 0 ? live.rmse / holdout.rmse - 1 : Infinity;
      violations.push({
        metric: 'rmse',
        live: live.rmse,
        holdout: holdout.rmse,
        change: live.rmse - holdout.rmse,
        threshold: s.maxRmseRise,
        message: `RMSE ${f4(live.rmse)} is ${Number.isFinite(rise) ? pc(rise) : 'infinitely'} above the holdout's ${f4(holdout.rmse)} (allowed ${pc(s.maxRmseRise)})`,
      });
    }
  }
  return { violations, notes, okSummary: `RMSE ${f4(live.rmse)} (holdout ${holdout.rmse === null ? '–' : f4(holdout.rmse)}), MAE ${f4(live.mae)}, R^2 ${f4(live.r2)}` };
}

/** Multiclass: accuracy drop, log loss rise, and a significant shift of the observed class mix. */
export function multiclassRules(live: MulticlassLive, holdout: MulticlassHoldout, mix: ClassMixTest, s: TaskRules): TaskDecision {
  const violations: TaskViolation[] = [];
  const notes: string[] = [];
  if (holdout.accuracy === null) notes.push('accuracy not judged: the version has no holdout accuracy');
  else if (holdout.accuracy - live.accuracy > s.maxAccuracyDrop) {
    violations.push({
      metric: 'accuracy',
      live: live.accuracy,
      holdout: holdout.accuracy,
      change: live.accuracy - holdout.accuracy,
      threshold: s.maxAccuracyDrop,
      message: `accuracy ${pc(live.accuracy)} is ${((holdout.accuracy - live.accuracy) * 100).toFixed(1)} points below the holdout's ${pc(holdout.accuracy)} (allowed ${s.maxAccuracyDrop})`,
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
  if (mix.basis === 'predicted') notes.push('class mix judged against the mean predicted probabilities: the version has no holdout class shares');
  if (mix.significant && mix.beyondMargin) {
    let worst = 0;
    for (let c = 1; c < mix.expected.length; c++) if (Math.abs(mix.observed[c] - mix.expected[c]) > Math.abs(mix.observed[worst] - mix.expected[worst])) worst = c;
    const name = String(live.classes[worst]);
    violations.push({
      metric: 'classMix',
      live: mix.observed[worst],
      holdout: mix.expected[worst],
      change: mix.observed[worst] - mix.expected[worst],
      threshold: s.classMixMargin,
      message: `observed class mix shifted: ${JSON.stringify(name)} is ${pc(mix.observed[worst])} of the labels vs ${pc(mix.expected[worst])} ${mix.basis === 'holdout' ? 'on the holdout' : 'predicted'}; chi-square ${mix.chiSquare.toFixed(2)} (${mix.degreesOfFreedom} df), p = ${mix.pValue.toExponential(2)} (violation when p < ${s.significance} and a share moves by more than ${s.classMixMargin})`,
    });
  }
  return {
    violations,
    notes,
    okSummary: `accuracy ${pc(live.accuracy)} (holdout ${holdout.accuracy === null ? '–' : pc(holdout.accuracy)}), log loss ${f4(live.logLoss)} (holdout ${holdout.logLoss === null ? '–' : f4(holdout.logLoss)}), macro-F1 ${f4(live.macroF1)}`,
  };
}
