// ROC and precision-recall curves, thinned to about a hundred points so a card (and workflow history) stays small.
import { z } from 'zod';

export const CurvePoints = z.array(z.tuple([z.number(), z.number()]));
export const Curves = z.object({ roc: CurvePoints, pr: CurvePoints }).strict();
export type Curves = z.infer<typeof Curves>;

/**
 * Sweeps the threshold down through the distinct scores. ROC: [false positive rate, true positive rate] from
 * (0, 0) to (1, 1); PR: [recall, precision]. Ties move together (one point per distinct score), and at most
 * `maxPoints` points are kept, evenly spaced in rows, always with both ends.
 */
export function binaryCurves(label: ArrayLike<number>, proba: ArrayLike<number>, maxPoints = 101): Curves {
  const n = label.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => proba[b] - proba[a] || a - b);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += label[i] ? 1 : 0;
  const negatives = n - positives;
  const roc: [number, number][] = [[0, 0]];
  const pr: [number, number][] = [];
  const step = Math.max(1, Math.floor(n / (maxPoints - 1)));
  let tp = 0;
  let fp = 0;
  let nextMark = step;
  for (let i = 0; i < n; i++) {
    if (label[order[i]]) tp++;
    else fp++;
    const lastOfTie = i === n - 1 || proba[order[i + 1]] !== proba[order[i]];
    if (!lastOfTie || (i + 1 < nextMark && i !== n - 1)) continue;
    nextMark = i + 1 + step;
    roc.push([negatives ? fp / negatives : 0, positives ? tp / positives : 0]);
    pr.push([positives ? tp / positives : 0, tp / (tp + fp)]);
  }
  return { roc: roc.map(round), pr: pr.map(round) };
}

function round([x, y]: [number, number]): [number, number] {
  return [Math.round(x * 1e5) / 1e5, Math.round(y * 1e5) / 1e5];
}
