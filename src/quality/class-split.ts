// Multiclass: rows per class on each side of the spec's split, naming classes too rare to be in both training and holdout.
import { z } from 'zod';
import { holdoutMask, loadFrame, timeSplitOf, type SplitSpec } from '../data/load-frame';
import { ClassValue } from '../task/task';

export const ClassSplit = z
  .object({
    classes: z.array(ClassValue),
    /** Rows per class (in `classes` order) in the training rows and in the holdout. */
    train: z.array(z.number().int().min(0)),
    holdout: z.array(z.number().int().min(0)),
    /** Classes with training rows but no holdout row: the holdout metrics cannot judge them. */
    onlyInTraining: z.array(ClassValue),
    /** Classes with holdout rows but no training row: the model cannot learn them. */
    onlyInHoldout: z.array(ClassValue),
  })
  .strict();
export type ClassSplit = z.infer<typeof ClassSplit>;

/** Counts the snapshot's class indices per split side (the split the trainer will use, from `__row` or the time column). */
export async function classSplit(parquetFile: string, split: SplitSpec, classes: readonly ClassValue[]): Promise<ClassSplit> {
  const loaded = await loadFrame(parquetFile, [], { timeSplit: timeSplitOf(split), task: 'multiclass' });
  const isHoldout = holdoutMask(loaded, split);
  const k = classes.length;
  const train = new Array<number>(k).fill(0);
  const holdout = new Array<number>(k).fill(0);
  const { label } = loaded.frame;
  for (let i = 0; i < label.length; i++) {
    const c = label[i];
    if (c >= k) throw new RangeError(`snapshot row ${loaded.rows[i]} has class index ${c}, but there are ${k} classes`);
    if (isHoldout[i]) holdout[c]++;
    else train[c]++;
  }
  return {
    classes: [...classes],
    train,
    holdout,
    onlyInTraining: classes.filter((_, c) => train[c] > 0 && holdout[c] === 0),
    onlyInHoldout: classes.filter((_, c) => holdout[c] > 0 && train[c] === 0),
  };
}

/** One sentence per class on one side only, for the report's warnings. */
export function classSplitWarnings(s: ClassSplit): string[] {
  const index = (c: ClassValue) => s.classes.indexOf(c);
  return [
    ...s.onlyInTraining.map((c) => `class ${JSON.stringify(c)} has ${s.train[index(c)]} training rows and none in the holdout, so the holdout metrics cannot judge it`),
    ...s.onlyInHoldout.map((c) => `class ${JSON.stringify(c)} has ${s.holdout[index(c)]} holdout rows and none in training, so the model cannot learn it`),
  ];
}
