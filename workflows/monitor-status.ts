// What a monitoring workflow shows while it runs: the answer to its status query and the Web UI's current details.
import { setCurrentDetails, setHandler, type QueryDefinition } from '@temporalio/workflow';

/** Answers `query` with `status`; the returned function moves the status to a stage and mirrors it in the Web UI. */
export function trackStatus<S extends { stage: string; detail: string }>(query: QueryDefinition<S>, status: S) {
  setHandler(query, () => status);
  return (name: S['stage'], detail: string): void => {
    status.stage = name;
    status.detail = detail;
    setCurrentDetails(`**${name}**: ${detail}`);
  };
}
