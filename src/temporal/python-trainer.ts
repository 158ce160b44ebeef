// What the TypeScript side and the Python training worker (python/ml_worker) agree on; pure, so workflows import it.

/** The Python worker's task queue (its PYTHON_TASK_QUEUE setting; trainingPipeline's `pythonTaskQueue` input). */
export const PYTHON_TASK_QUEUE = 'ml-train-python';

/** The patch id that routes the train step to the Python worker (histories recorded before it replay unchanged). */
export const PYTHON_TRAINER_PATCH = 'python-trainer';

/** Failure types trainPython raises for good (python/ml_worker/train.py); a retry cannot heal them. */
export const PYTHON_FAILURE_TYPES = ['PythonTrainerNotFound', 'PythonTrainerFailed', 'OnnxConversionFailed', 'OnnxParityFailed', 'SnapshotInvalid', 'RunFileMissing', 'InvalidSpec'] as const;

/** The spec's Python entry point, or undefined for the GBDT trainer. */
export function pythonEntry(model: { trainer?: 'gbdt' | { python: string } }): string | undefined {
  return typeof model.trainer === 'object' ? model.trainer.python : undefined;
}
