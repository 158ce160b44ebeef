// Every activity the ml-pipeline worker registers, built from one context.
import { alertActivities } from './alerts';
import { cleanupActivities } from './cleanup';
import type { ActivityContext } from './context';
import { driftActivities } from './drift';
import { importActivities } from './import-model';
import { modelQualityActivities } from './model-quality';
import { systemActivities } from './system';
import { trainingActivities } from './training';

export function createActivities(ctx: ActivityContext) {
  return {
    ...systemActivities(ctx),
    ...alertActivities(ctx),
    ...trainingActivities(ctx),
    ...importActivities(ctx),
    ...driftActivities(ctx),
    ...modelQualityActivities(ctx),
    ...cleanupActivities(ctx),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityContext };
