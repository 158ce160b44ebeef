// What every activity needs from the worker process: where state lives and how to reach Temporal's UI.
import type { AlertSettings } from '../src/alerts/settings';

export interface ActivityContext {
  projectRoot: string;
  varDir: string;
  namespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  temporalAddress: string;
  /**
   * DRIFT_SCHEDULE_MINUTES: promoting a model creates its drift schedule (drift-<model>) with this
   * interval when it has none. 0 turns that off. Default 15.
   */
  driftScheduleMinutes?: number;
  /** QUALITY_SCHEDULE_MINUTES: promotion also creates quality-<model> when it has none; 0 turns that off. Default 60. */
  qualityScheduleMinutes?: number;
  /** Slack/router settings for the alert activities; absent means defaults (log + <varDir>/alerts.jsonl). */
  alerts?: AlertSettings;
}
