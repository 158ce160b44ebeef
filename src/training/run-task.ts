// A run's task as the trainer, evaluation and registry take it: from the snapshot manifest (RunRef), else the spec.
import type { GbdtTask } from '../model/gbdt';
import type { RunRef } from './types';

/** Runs recorded before tasks existed carry neither `task` nor a spec `target.task`: they are binary. */
export function runTask(run: Pick<RunRef, 'task' | 'classes' | 'spec'>): GbdtTask {
  const task = run.task ?? run.spec.target.task ?? 'binary';
  if (task !== 'multiclass') return { task };
  const classes = run.classes ?? run.spec.target.classes;
  if (!classes || classes.length < 2) throw new Error('a multiclass run must carry its classes (RunRef.classes, from the snapshot manifest)');
  return { task, classes };
}
