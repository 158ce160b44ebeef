// The task of a registered model version, read from its registry metadata (versions from before tasks existed are binary).
import { z } from 'zod';
import { ClassValue, outputWidth, TaskKind } from './task';

/** A version's task and, for multiclass, its classes in output order. */
export interface VersionTask {
  readonly task: TaskKind;
  /** Numbers per row in the model's output (1, or K classes). */
  readonly width: number;
  readonly classes?: readonly ClassValue[];
}

export const BINARY_TASK: VersionTask = Object.freeze({ task: 'binary', width: 1 });

const ClassList = z.array(ClassValue).min(2);

/** What a version's metadata may say about its task (registry VersionMetadata has these fields). */
export interface TaskMetadata {
  extra: Record<string, unknown>;
  spec?: unknown;
  metrics: Record<string, unknown>;
}

/**
 * The task from, in order: `hint` (e.g. the ONNX graph's own metadata), the metadata's `extra.task`/`extra.classes`,
 * the spec's `target`, the holdout metrics' `classes` (MulticlassMetrics); else binary. Throws when a multiclass
 * version names no classes anywhere.
 */
export function versionTask(meta: TaskMetadata, hint: { task?: unknown; classes?: unknown } = {}): VersionTask {
  const spec = meta.spec as { target?: { task?: unknown; classes?: unknown } } | undefined;
  const candidate = meta.metrics.candidate as { classes?: unknown } | undefined;
  const task = TaskKind.safeParse(hint.task).data ?? TaskKind.safeParse(meta.extra.task).data ?? TaskKind.safeParse(spec?.target?.task).data ?? 'binary';
  if (task !== 'multiclass') return task === 'binary' ? BINARY_TASK : { task, width: 1 };
  for (const c of [hint.classes, meta.extra.classes, candidate?.classes, spec?.target?.classes]) {
    const parsed = ClassList.safeParse(c);
    if (parsed.success) return { task, width: outputWidth(task, parsed.data), classes: parsed.data };
  }
  throw new Error('a multiclass version must name its classes (ONNX metadata "classes" or registry metadata extra.classes)');
}

/** The decision threshold a version is served with (metadata extra.threshold or metrics.threshold, else 0.5). */
export function thresholdOf(meta: { extra: Record<string, unknown>; metrics: Record<string, unknown> }): number {
  for (const v of [meta.extra.threshold, meta.metrics.threshold]) if (typeof v === 'number' && v > 0 && v < 1) return v;
  return 0.5;
}
