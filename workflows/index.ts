// Every workflow the ml-pipeline worker runs (this file is the worker's workflowsPath).
export { systemCheck } from './system-check';
