// Alert activities: routeAlert (signal-with-start the router), deliverAlert (Slack or file), alertDrillActivity (always fails).
import { ApplicationFailure, activityInfo, log } from '@temporalio/activity';
import type { WebClient } from '@slack/web-api';
import { appendAlertOnce, recordAlertOnce } from '../src/alerts/file-sink';
import { alertKey } from '../src/store/layout';
import { Alert, RouteRequest, runLink, type RouteRequestInput } from '../src/alerts/model';
import { redact, type LogSink, type Secret } from '../src/util/redact';
import { alertSignal, resolveSignal, ROUTER_WORKFLOW_TYPE, type AlertRouterInput, type AlertSignal, type ResolveSignal } from '../src/alerts/router-contract';
import { alertsFileOf, defaultAlertSettings, type AlertSettings } from '../src/alerts/settings';
import { classifySlackError, createSlackClient, postAlert } from '../src/alerts/slack';
import type { ActivityContext } from './context';
import { clientFor, closeTemporalClients } from './temporal-client';

export interface RouteResult {
  routerWorkflowId: string;
}
/** Goes into the router's history: a store key, never a path on the worker. */
export type DeliveryResult = { via: 'slack'; channel: string; ts: string } | { via: 'store'; key: string; written: boolean };

/** Closes the cached Temporal clients (tests, orderly shutdown). */
export const closeAlertClients = closeTemporalClients;

// WebClients are built once per settings object: they hold the token and a request queue.
const slackClients = new WeakMap<object, WebClient>();

function activityLogSink(secrets: readonly Secret[]): LogSink {
  return (level, message) => {
    const line = redact(message, secrets);
    try {
      log[level](line);
    } catch {
      // Outside an activity (a late WebClient callback) there is no activity logger.
      process.stderr.write(`${level}: ${line}\n`);
    }
  };
}

function invalid(what: string, issues: { path: PropertyKey[]; message: string }[]): ApplicationFailure {
  const text = issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  return ApplicationFailure.nonRetryable(`invalid ${what}: ${text}`, 'AlertInvalid');
}

export function alertActivities(ctx: ActivityContext) {
  const settings: AlertSettings = ctx.alerts ?? defaultAlertSettings();
  const secrets = settings.slack ? [settings.slack.token] : [];
  const sink = activityLogSink(secrets);

  return {
    /** Hands an alert or a resolve request to the router, starting the router if it is not running. Idempotent: the router drops repeated ids. */
    async routeAlert(request: RouteRequestInput): Promise<RouteResult> {
      const parsed = RouteRequest.safeParse(request);
      if (!parsed.success) throw invalid('alert', parsed.error.issues);
      const info = activityInfo();
      const namespace = info.workflowNamespace || ctx.namespace;
      const routerInput: AlertRouterInput = { config: settings.router };
      const client = await clientFor(ctx.temporal ?? ctx.temporalAddress, namespace);
      const start = {
        workflowId: settings.routerWorkflowId,
        taskQueue: ctx.taskQueue,
        args: [routerInput] as [AlertRouterInput],
        staticSummary: 'Alert router: deduplicates alerts, applies the cooldown, posts to Slack',
      };
      if (parsed.data.kind === 'alert') {
        const alert = parsed.data.alert;
        const source = alert.source;
        alert.links.run ??= runLink(ctx.temporalUiUrl, source.namespace ?? namespace, source.workflowId, source.runId);
        const payload: AlertSignal = { alert, config: settings.router };
        await client.workflow.signalWithStart(ROUTER_WORKFLOW_TYPE, { ...start, signal: alertSignal, signalArgs: [payload] });
      } else {
        const payload: ResolveSignal = { resolve: parsed.data.resolve, config: settings.router };
        await client.workflow.signalWithStart(ROUTER_WORKFLOW_TYPE, { ...start, signal: resolveSignal, signalArgs: [payload] });
      }
      return { routerWorkflowId: settings.routerWorkflowId };
    },

    /** Posts one alert to Slack, or without Slack settings logs it and appends it to alerts.jsonl (once per id). */
    async deliverAlert(input: Alert): Promise<DeliveryResult> {
      const parsed = Alert.safeParse(input);
      if (!parsed.success) throw invalid('alert', parsed.error.issues);
      const alert = parsed.data;
      const slack = settings.slack;
      if (!slack) {
        const file = alertsFileOf(settings, ctx.varDir);
        // the store object is the record (exactly one per id, whichever worker delivers); the file is a local mirror to tail
        const written = await recordAlertOnce(ctx.store, alert);
        if (written) await appendAlertOnce(file, alert);
        log.warn(`ALERT ${alert.kind === 'resolved' ? 'resolved' : alert.severity}: ${alert.title}`, {
          key: alert.key,
          workflowId: alert.source.workflowId,
          message: alert.source.message,
          run: alert.links.run,
          file,
          stored: alertKey(alert.id),
        });
        return { via: 'store', key: alertKey(alert.id), written };
      }
      let client = slackClients.get(slack);
      if (!client) {
        client = createSlackClient(slack, sink);
        slackClients.set(slack, client);
      }
      try {
        const posted = await postAlert(client, slack.channel, alert);
        log.info(`alert posted to Slack: ${alert.title}`, { key: alert.key, channel: posted.channel, ts: posted.ts });
        return { via: 'slack', ...posted };
      } catch (err) {
        const failure = classifySlackError(err);
        const message = redact(failure.message, secrets);
        const attempt = activityInfo().attempt;
        switch (failure.kind) {
          case 'config':
            log.error(`${message}: check SLACK_BOT_TOKEN / SLACK_CHANNEL; alert not sent, not retried`, { key: alert.key });
            throw ApplicationFailure.nonRetryable(`${message}: check SLACK_BOT_TOKEN / SLACK_CHANNEL`, 'SlackConfigError');
          case 'rejected':
            log.error(`${message}; alert not sent, not retried`, { key: alert.key });
            throw ApplicationFailure.nonRetryable(message, 'SlackMessageRejected');
          case 'rateLimited':
            log.warn(`${message} (attempt ${attempt})`, { key: alert.key });
            // Temporal waits exactly Retry-After before the next attempt, instead of the policy's backoff.
            throw ApplicationFailure.create({ message, type: 'SlackRateLimited', nextRetryDelay: failure.retryAfterSeconds * 1000 });
          case 'transient':
            log.warn(`${message} (attempt ${attempt}); will retry with backoff`, { key: alert.key });
            throw ApplicationFailure.retryable(message, 'SlackUnavailable');
        }
      }
    },

    /** For alertDrill: always fails with a retryable error, so its last attempt exercises the whole alert path. */
    // eslint-disable-next-line @typescript-eslint/require-await -- the interface is asynchronous; async turns a throw into a rejection
    async alertDrillActivity(input: { message?: string } = {}): Promise<never> {
      const { attempt } = activityInfo();
      throw ApplicationFailure.retryable(input.message ?? `alert drill: simulated failure (attempt ${attempt})`, 'AlertDrillFailure');
    },
  };
}

export type AlertActivities = ReturnType<typeof alertActivities>;
