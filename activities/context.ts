// What every activity needs from the worker process: where state lives and how to reach Temporal's UI.
export interface ActivityContext {
  projectRoot: string;
  varDir: string;
  namespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  temporalAddress: string;
}
