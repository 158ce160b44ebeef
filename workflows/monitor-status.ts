// The steps both monitoring workflows (drift, model quality) share: their input check, their status query and Web UI
// details, and the search attributes that say which model a run checked and where it stands.
import { ApplicationFailure, setCurrentDetails, setHandler, upsertSearchAttributes, type QueryDefinition } from '@temporalio/workflow';
import { ModelName, ModelVersion, PipelineStage } from '../src/temporal/search-attributes';

/** A monitor's input is an object (`{}` for the default model); anything else fails for good, naming the workflow. */
export function requireObjectInput(input: unknown, workflow: string, errorType: string): void {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw ApplicationFailure.nonRetryable(`${workflow} takes an object, e.g. {"model":"flights"} or {} for the default model`, errorType);
  }
}

/** Search attributes of a run that checked nothing (no champion yet). */
export function markSkipped(model: string, stageTag: string): void {
  upsertSearchAttributes([
    { key: ModelName, value: model },
    { key: PipelineStage, value: stageTag },
  ]);
}

/** Search attributes of a run about to check `model` v`version`. */
export function markChecking(model: string, version: number, stageTag: string): void {
  upsertSearchAttributes([
    { key: ModelName, value: model },
    { key: ModelVersion, value: version },
    { key: PipelineStage, value: stageTag },
  ]);
}

/** Answers `query` with `status`; the returned function moves the status to a stage and mirrors it in the Web UI. */
export function trackStatus<S extends { stage: string; detail: string }>(query: QueryDefinition<S>, status: S) {
  setHandler(query, () => status);
  return (name: S['stage'], detail: string): void => {
    status.stage = name;
    status.detail = detail;
    setCurrentDetails(`**${name}**: ${detail}`);
  };
}
