// The steps both monitoring workflows (drift, model quality) share: their input check, their status query and Web UI
// details, the search attributes that say which model a run checked and where it stands, and the alert step with the
// open-alert state it leaves for the next run.
import { ApplicationFailure, setCurrentDetails, setHandler, upsertSearchAttributes, type QueryDefinition } from '@temporalio/workflow';
import { ModelName, ModelVersion, PipelineStage } from '../src/temporal/search-attributes';
import { raiseAlert, resolveAlert, type RaiseAlertInput } from './alerting';

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

/**
 * What a monitor's verdict asks of the alert step: raise its alert (a bad verdict), resolve the alert still open
 * from an earlier run (a clean verdict), or nothing (too little data judges nothing; clean with no open alert).
 */
export type AlertDecision = { kind: 'raise'; detail: string; alert: RaiseAlertInput & { key: string } } | { kind: 'resolve'; detail: string; key: string; note: string } | { kind: 'none' };

/** Runs the alert step (stage `alert`, then one routeAlert activity, or none) and says what it did. */
export async function alertStep(decision: AlertDecision, stage: (name: 'alert', detail: string) => void): Promise<{ alerted: boolean; resolved: boolean }> {
  if (decision.kind === 'raise') {
    stage('alert', decision.detail);
    return { alerted: await raiseAlert(decision.alert), resolved: false };
  }
  if (decision.kind === 'resolve') {
    stage('alert', decision.detail);
    return { alerted: false, resolved: await resolveAlert({ key: decision.key, note: decision.note }) };
  }
  return { alerted: false, resolved: false };
}

/**
 * Whether the model's alert is open after this run, for the next run to know whether a clean verdict must resolve it:
 * a raised (or already open) alert stays open, a resolved one closes, and a verdict that judges nothing changes nothing.
 */
export function alertOpenAfter(decision: AlertDecision, wasOpen: boolean, done: { alerted: boolean; resolved: boolean }): boolean {
  if (decision.kind === 'raise') return done.alerted || wasOpen;
  if (decision.kind === 'resolve') return wasOpen && !done.resolved;
  return wasOpen;
}

/** The last step of a checked run: status `done` and the search attribute that holds the verdict. */
export function markDone(stage: (name: 'done', detail: string) => void, summary: string, stageTag: string): void {
  stage('done', summary);
  upsertSearchAttributes([{ key: PipelineStage, value: stageTag }]);
}
