// The watchdog's own settings (the rest, such as TASK_QUEUE and the alert settings, are every process's).
import { z } from 'zod';

export const WatchdogEnv = z.object({
  /** A task waiting this long for a worker, or a task queue no worker polled for this long, is an outage (seconds). */
  WATCHDOG_LIMIT_SECONDS: z.coerce.number().positive().default(300),
  /** How often the watchdog checks the task queue (seconds). */
  WATCHDOG_EVERY_SECONDS: z.coerce.number().positive().default(30),
});
