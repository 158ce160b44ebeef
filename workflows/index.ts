// Every workflow the ml-pipeline worker runs (this file is the worker's workflowsPath).
export { systemCheck } from './system-check';
export { alertRouter } from './alert-router';
export { alertDrill } from './alert-drill';
export { trainingPipeline } from './training-pipeline';
export { driftMonitor } from './drift-monitor';
export { modelQualityMonitor } from './model-quality-monitor';
export { importModel } from './import-model';
export { storeCleanup } from './store-cleanup';
