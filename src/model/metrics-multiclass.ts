// Multiclass metrics as pure functions over class indices and row-major probabilities (equal to scikit-learn on committed vectors).
import { z } from 'zod';
import { argmax, ClassValue } from '../task/task';
import { rocAuc } from './metrics';

/** scikit-learn (1.5+) clips probabilities to [eps, 1 - eps] with the float64 machine epsilon before the log. */
export const MULTICLASS_LOG_LOSS_EPS = Number.EPSILON;

export const ClassMetrics = z
  .object({
    class: ClassValue,
    /** Rows whose actual class this is. */
    support: z.number().int().min(0),
    /** Rows predicted as this class (argmax of the probabilities, first on ties). */
    predicted: z.number().int().min(0),
    /** An empty denominator gives 0 (scikit-learn's zero_division=0). */
    precision: z.number(),
    recall: z.number(),
    f1: z.number(),
    /** One-vs-rest ROC AUC of this class's probability; null when every row or no row is of this class. */
    auc: z.number().nullable(),
    /** Mean predicted probability of this class (against support / rows: calibration in the large). */
    meanProbability: z.number(),
  })
  .strict();
export type ClassMetrics = z.infer<typeof ClassMetrics>;

export const MulticlassMetrics = z
  .object({
    task: z.literal('multiclass'),
    rows: z.number().int().min(1),
    classes: z.array(ClassValue).min(2),
    logLoss: z.number(),
    accuracy: z.number(),
    /** Unweighted mean of the per-class F1 over every class (absent ones count 0, as scikit-learn with `labels`). */
    macroF1: z.number(),
    /** Mean of the per-class one-vs-rest AUCs that are defined (scikit-learn's ovr macro when every class occurs); null when none is. */
    macroAuc: z.number().nullable(),
    /** confusion[actual][predicted] row counts. */
    confusion: z.array(z.array(z.number().int().min(0))),
    perClass: z.array(ClassMetrics),
  })
  .strict();
export type MulticlassMetrics = z.infer<typeof MulticlassMetrics>;

type Labels = ArrayLike<number>;
type Probabilities = ArrayLike<number>;

function check(label: Labels, proba: Probabilities, k: number): void {
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`a multiclass evaluation needs at least 2 classes, got ${k}`);
  if (proba.length !== label.length * k) throw new RangeError(`${label.length} labels need ${label.length * k} probabilities (${k} a row), got ${proba.length}`);
  if (label.length === 0) throw new RangeError('multiclass metrics need at least one row');
  for (let i = 0; i < label.length; i++) {
    const y = label[i];
    if (!(Number.isInteger(y) && y >= 0 && y < k)) throw new RangeError(`label ${i} is ${y}, not a class index below ${k}`);
  }
  for (let i = 0; i < proba.length; i++) {
    const p = proba[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${i} (row ${Math.floor(i / k)}) is ${p}, not in [0, 1]`);
  }
}

/** Mean negative log probability of the actual class (clipped as scikit-learn's log_loss; rows are not renormalised). */
export function multiclassLogLoss(label: Labels, proba: Probabilities, k: number): number {
  check(label, proba, k);
  let s = 0;
  for (let i = 0; i < label.length; i++) {
    const p = Math.min(Math.max(proba[i * k + label[i]], MULTICLASS_LOG_LOSS_EPS), 1 - MULTICLASS_LOG_LOSS_EPS);
    s -= Math.log(p);
  }
  return s / label.length;
}

/** The predicted class index per row: the most probable (first on ties). */
export function predictedClasses(proba: Probabilities, rows: number, k: number): Uint8Array {
  const out = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) out[i] = argmax(proba, i * k, k);
  return out;
}

/** confusion[actual][predicted] over class indices. */
export function confusionMatrix(label: Labels, predicted: Labels, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < label.length; i++) m[label[i]][predicted[i]]++;
  return m;
}

/** One-vs-rest ROC AUC of class `c`; null when the class is absent or is every row. */
export function oneVsRestAuc(label: Labels, proba: Probabilities, k: number, c: number): number | null {
  const n = label.length;
  const y = new Uint8Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = label[i] === c ? 1 : 0;
    p[i] = proba[i * k + c];
  }
  return rocAuc(y, p);
}

/** Every multiclass metric at once; `proba` is row-major, `classes.length` numbers a row. */
export function evaluateMulticlass(label: Labels, proba: Probabilities, classes: readonly ClassValue[]): MulticlassMetrics {
  const k = classes.length;
  check(label, proba, k);
  const n = label.length;
  const predicted = predictedClasses(proba, n, k);
  const confusion = confusionMatrix(label, predicted, k);
  let correct = 0;
  for (let c = 0; c < k; c++) correct += confusion[c][c];
  const perClass: ClassMetrics[] = classes.map((cls, c) => {
    const tp = confusion[c][c];
    let support = 0;
    let predictedCount = 0;
    for (let j = 0; j < k; j++) {
      support += confusion[c][j];
      predictedCount += confusion[j][c];
    }
    let sumP = 0;
    for (let i = 0; i < n; i++) sumP += proba[i * k + c];
    return {
      class: cls,
      support,
      predicted: predictedCount,
      precision: predictedCount > 0 ? tp / predictedCount : 0,
      recall: support > 0 ? tp / support : 0,
      f1: support + predictedCount > 0 ? (2 * tp) / (support + predictedCount) : 0,
      auc: oneVsRestAuc(label, proba, k, c),
      meanProbability: sumP / n,
    };
  });
  const aucs = perClass.map((c) => c.auc).filter((a): a is number => a !== null);
  return {
    task: 'multiclass',
    rows: n,
    classes: [...classes],
    logLoss: multiclassLogLoss(label, proba, k),
    accuracy: correct / n,
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / k,
    macroAuc: aucs.length > 0 ? aucs.reduce((s, a) => s + a, 0) / aucs.length : null,
    confusion,
    perClass,
  };
}
