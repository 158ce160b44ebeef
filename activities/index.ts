// Every activity the ml-pipeline worker registers, built from one context.
import type { ActivityContext } from './context';
import { systemActivities } from './system';

export function createActivities(ctx: ActivityContext) {
  return {
    ...systemActivities(ctx),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityContext };
