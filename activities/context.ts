// What every activity needs from the worker process: the artifact store, a scratch folder, and how to reach Temporal.
import type { AlertSettings } from '../src/alerts/settings';
import type { ArtifactStore } from '../src/store';
import type { TemporalTarget } from '../src/temporal/target';

export interface ActivityContext {
  projectRoot: string;
  /** This worker's own folder (VAR_DIR): scratch space and caches only; state that outlives an activity goes in `store`. */
  varDir: string;
  /** Where every artifact lives (snapshots, checkpoints, models, registry, reports...): shared by all workers. */
  store: ArtifactStore;
  namespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  temporalAddress: string;
  /** TLS and API key for the worker's own client (schedules, the alert router); absent: plain text to temporalAddress. */
  temporal?: TemporalTarget;
  /**
   * DRIFT_SCHEDULE_MINUTES: promoting a model creates its drift schedule (drift-<model>) with this
   * interval when it has none. 0 turns that off. Default 15.
   */
  driftScheduleMinutes?: number;
  /** QUALITY_SCHEDULE_MINUTES: promotion also creates quality-<model> when it has none; 0 turns that off. Default 60. */
  qualityScheduleMinutes?: number;
  /** STORE_CLEANUP_MINUTES: promotion also creates the store-cleanup schedule when absent; absent here: none (tests). */
  cleanupScheduleMinutes?: number;
  /** Slack/router settings for the alert activities; absent means defaults (log + alerts/ objects in the store, mirrored to <varDir>/alerts.jsonl). */
  alerts?: AlertSettings;
}
