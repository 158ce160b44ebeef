// The workers' watchdog: runs outside them (its own process), turns an outage into one alert and its end into "resolved".
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { appendAlertOnce, recordAlertOnce } from '../alerts/file-sink';
import { Alert, runLink } from '../alerts/model';
import type { AlertSettings } from '../alerts/settings';
import { alertsFileOf } from '../alerts/settings';
import { createSlackClient, postAlert } from '../alerts/slack';
import type { ArtifactStore } from '../store';
import { findOutage, type Outage } from './outage';

export interface WatchdogOptions {
  client: Client;
  namespace: string;
  taskQueue: string;
  limitMs: number;
  alerts: AlertSettings;
  store: ArtifactStore;
  varDir: string;
  uiUrl: string;
  log?: (line: string) => void;
}

export type Tick = { state: 'ok' | 'down'; sent?: 'firing' | 'resolved'; outage?: Outage };

/**
 * The alert path of the workers (router workflow, deliverAlert activity) cannot report that the workers are gone, so
 * this one sends directly: Slack when configured, else the store record and the alerts file, as deliverAlert does.
 */
export class Watchdog {
  private open = false;
  private readonly key: string;
  private readonly startedAt = Date.now();

  constructor(private readonly o: WatchdogOptions) {
    this.key = `workers-down:${o.namespace}:${o.taskQueue}`;
  }

  async tick(now = Date.now()): Promise<Tick> {
    const outage = await findOutage({ client: this.o.client, namespace: this.o.namespace, taskQueue: this.o.taskQueue, limitMs: this.o.limitMs, now, watchingSince: this.startedAt });
    if (outage && !this.open) {
      await this.send(this.alert('firing', now, outage));
      this.open = true;
      return { state: 'down', sent: 'firing', outage };
    }
    if (!outage && this.open) {
      await this.send(this.alert('resolved', now));
      this.open = false;
      return { state: 'ok', sent: 'resolved' };
    }
    return outage ? { state: 'down', outage } : { state: 'ok' };
  }

  private alert(kind: 'firing' | 'resolved', now: number, outage?: Outage): Alert {
    const first = outage?.stuck[0];
    const source = first
      ? { workflowId: first.workflowId, runId: first.runId, workflowType: first.workflowType }
      : { workflowId: `watchdog-${this.o.taskQueue}`, runId: 'none', workflowType: 'watchdog' };
    return Alert.parse({
      id: randomUUID(),
      kind,
      key: this.key,
      severity: kind === 'firing' ? 'critical' : 'info',
      title: kind === 'firing' ? `Workers down: nothing runs on task queue ${this.o.taskQueue}` : `Workers back on task queue ${this.o.taskQueue}`,
      source: {
        ...source,
        namespace: this.o.namespace,
        taskQueue: this.o.taskQueue,
        message: outage ? outage.reasons.join('; ') : 'a worker polls the task queue again and no task waits for one',
      },
      ...(first ? { links: { run: runLink(this.o.uiUrl, this.o.namespace, first.workflowId, first.runId) } } : {}),
      ...(outage?.stuck.length
        ? { details: { kind: 'fields', fields: Object.fromEntries(outage.stuck.slice(0, 10).map((s) => [s.workflowId, `${s.waiting} waiting ${Math.round(s.waitingMs / 1000)} s`])) } }
        : {}),
      raisedAt: new Date(now).toISOString(),
    });
  }

  private async send(alert: Alert): Promise<void> {
    const slack = this.o.alerts.slack;
    if (slack) {
      await postAlert(
        createSlackClient(slack, (level, message) => this.o.log?.(`${level}: ${message}`)),
        slack.channel,
        alert,
      );
      return;
    }
    if (await recordAlertOnce(this.o.store, alert)) await appendAlertOnce(alertsFileOf(this.o.alerts, this.o.varDir), alert);
    this.o.log?.(`ALERT ${alert.kind === 'resolved' ? 'resolved' : alert.severity}: ${alert.title} (${alert.source.message})`);
  }
}
