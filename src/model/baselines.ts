// The baselines per task that a candidate must beat: the prior (class shares, prevalence or mean) and a linear model
// (logistic, multinomial logistic, ridge), each a small JSON model predicting `rows * width` numbers over a Frame.
import { z } from 'zod';
import type { Frame } from '../data/frame';
import { ClassValue, outputWidth, TaskKind } from '../task/task';
import { ModelInputError } from './gbdt-model';
import { LogisticModel, predictLogistic, trainLogistic } from './logistic';
import { fitMultinomial, MultinomialModel, predictMultinomial } from './multinomial';
import { fitRidge, predictRidge, RidgeModel } from './ridge';

export const PriorModel = z
  .object({
    kind: z.literal('prior'),
    task: TaskKind,
    /** What every row gets: binary [P(positive)], multiclass the training class shares (K), regression [mean target]. */
    values: z.array(z.number()).min(1),
    classes: z.array(ClassValue).min(2).optional(),
    rows: z.number().int().min(1),
  })
  .strict();
export type PriorModel = z.infer<typeof PriorModel>;

export const LinearBaseline = z.discriminatedUnion('kind', [LogisticModel, MultinomialModel, RidgeModel]);
export type LinearBaseline = z.infer<typeof LinearBaseline>;
export const BaselineModel = z.discriminatedUnion('kind', [PriorModel, LogisticModel, MultinomialModel, RidgeModel]);
export type BaselineModel = z.infer<typeof BaselineModel>;

/** The no-skill predictor of the training frame (DummyClassifier "prior" / DummyRegressor "mean"). */
export function fitPrior(frame: Frame, task: TaskKind, classes?: readonly ClassValue[]): PriorModel {
  const n = frame.rows;
  if (n < 1) throw new ModelInputError('cannot fit a prior on an empty frame');
  let values: number[];
  if (task === 'regression') {
    if (!frame.target) throw new ModelInputError('a regression prior needs a frame with a numeric target');
    let s = 0;
    for (let i = 0; i < n; i++) s += frame.target[i];
    values = [s / n];
  } else {
    const k = task === 'multiclass' ? outputWidth(task, classes) : 2;
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) {
      if (frame.label[i] >= k) throw new ModelInputError(`row ${i} has class index ${frame.label[i]}, but there are ${k} classes`);
      counts[frame.label[i]]++;
    }
    values = task === 'binary' ? [counts[1] / n] : counts.map((c) => c / n);
  }
  return { kind: 'prior', task, values, ...(task === 'multiclass' ? { classes: [...classes!] } : {}), rows: n };
}

/** The linear baseline of a task: logistic (binary), multinomial logistic (multiclass) or ridge (regression). */
export function fitLinearBaseline(frame: Frame, task: TaskKind, classes?: readonly ClassValue[]): LinearBaseline {
  switch (task) {
    case 'binary':
      return trainLogistic(frame);
    case 'multiclass':
      outputWidth(task, classes);
      return fitMultinomial(frame, classes!);
    case 'regression':
      return fitRidge(frame);
  }
}

/** `rows * width` numbers per the task's output contract (P(positive); K class probabilities; the value). */
export function predictBaseline(model: BaselineModel, frame: Frame): Float64Array {
  switch (model.kind) {
    case 'prior': {
      const width = model.values.length;
      const out = new Float64Array(frame.rows * width);
      for (let i = 0; i < frame.rows; i++) out.set(model.values, i * width);
      return out;
    }
    case 'logistic-binary':
      return predictLogistic(model, frame);
    case 'logistic-multiclass':
      return predictMultinomial(model, frame);
    case 'ridge-regression':
      return predictRidge(model, frame);
  }
}
