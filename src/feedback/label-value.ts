// What a ground-truth label may be for a model's task: binary 0/1, regression a finite number, multiclass one of its classes.
import { className, type ClassValue, type TaskKind } from '../task/task';

/** A label as stored in a label line: 0/1 (binary), a number (regression) or a class value as the data has it (multiclass). */
export type LabelValue = number | string | boolean;

/** The task a label is checked against (classes for multiclass). */
export interface LabelTask {
  readonly task: TaskKind;
  readonly classes?: readonly ClassValue[];
}

export type LabelCheck = { ok: true; label: LabelValue } | { ok: false; reason: string };

const shown = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/**
 * A function that takes a raw label and returns the value to store, or why it is not a label of this task. Multiclass
 * labels match a class by value or by name ("3" for the class 3), and are stored as the class's own value.
 */
export function labelChecker(t: LabelTask): (raw: unknown) => LabelCheck {
  if (t.task === 'binary') return (raw) => (raw === 0 || raw === 1 ? { ok: true, label: raw } : { ok: false, reason: 'label: must be 0 or 1' });
  if (t.task === 'regression') {
    return (raw) => (typeof raw === 'number' && Number.isFinite(raw) ? { ok: true, label: raw } : { ok: false, reason: `label: ${shown(raw)} is not a finite number (this is a regression model)` });
  }
  const classes = t.classes ?? [];
  const byName = new Map(classes.map((c) => [className(c), c]));
  const list = classes.map((c) => JSON.stringify(c)).join(', ');
  return (raw) => {
    const c = typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? byName.get(String(raw)) : undefined;
    return c !== undefined ? { ok: true, label: c } : { ok: false, reason: `label: ${shown(raw)} is not one of the model's classes: ${list}` };
  };
}
