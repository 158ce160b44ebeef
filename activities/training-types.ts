// The pipeline's plain data, re-exported where workflows and tests have always imported it from.
export type {
  EvaluationOutcome,
  FailedExpectation,
  ModelMetrics,
  ParityOutcome,
  QualityOutcome,
  RunRef,
  TrainingOutcome,
  TrainingResult,
  TrainingStatus,
  RegisterInput,
  TrainerInfo,
  TrainPythonInput,
  TrainPythonResult,
  PythonActivities,
} from '../src/training/types';
