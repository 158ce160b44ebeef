// Alert settings: built from the environment at worker start (token from a variable or a file), with defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Env } from '../config/env';
import { defaultRouterConfig, type RouterConfig } from './model';
import { Secret } from '../util/redact';
import { DEFAULT_ROUTER_WORKFLOW_ID } from './router-contract';
import type { SlackTarget } from './slack';

export interface AlertSettings {
  /** Absent: alerts go to the log and to `alertsFile`. */
  slack?: SlackTarget;
  /** Workflow id of the namespace's one alert router. */
  routerWorkflowId: string;
  router: RouterConfig;
  /** Local mirror of the alerts stored under alerts/ in the artifact store; defaults to `<varDir>/alerts.jsonl`. */
  alertsFile?: string;
}

const MINUTE = 60_000;

export function defaultAlertSettings(): AlertSettings {
  return { routerWorkflowId: DEFAULT_ROUTER_WORKFLOW_ID, router: defaultRouterConfig() };
}

export function alertsFileOf(settings: AlertSettings, varDir: string): string {
  return settings.alertsFile ?? path.join(varDir, 'alerts.jsonl');
}

export interface LoadedAlertSettings {
  settings: AlertSettings;
  /** At most one line, for the worker to log at start (e.g. "Slack alerts are off"). */
  warning?: string;
}

/** Reads SLACK_* and ALERT_* settings; a bad combination or an unreadable token file is a ConfigError. */
export function alertSettingsFromEnv(env: Env, readTokenFile: (file: string) => string = (file) => readFileSync(file, 'utf8')): LoadedAlertSettings {
  if (env.SLACK_BOT_TOKEN && env.SLACK_BOT_TOKEN_FILE) {
    throw new ConfigError(['SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set: keep one']);
  }
  let token: string | undefined = env.SLACK_BOT_TOKEN?.trim();
  if (env.SLACK_BOT_TOKEN_FILE) {
    const file = path.resolve(env.PROJECT_ROOT, env.SLACK_BOT_TOKEN_FILE);
    try {
      token = readTokenFile(file).trim();
    } catch (err) {
      throw new ConfigError([`SLACK_BOT_TOKEN_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
    if (!token) throw new ConfigError([`SLACK_BOT_TOKEN_FILE: ${file} is empty`]);
  }

  const settings: AlertSettings = {
    routerWorkflowId: env.ALERT_ROUTER_WORKFLOW_ID,
    router: defaultRouterConfig(Math.round(env.ALERT_COOLDOWN_MINUTES * MINUTE)),
    alertsFile: path.join(env.VAR_DIR, 'alerts.jsonl'),
  };
  const file = settings.alertsFile;
  if (token && env.SLACK_CHANNEL) {
    settings.slack = {
      token: new Secret(token),
      channel: env.SLACK_CHANNEL,
      ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    };
    return { settings };
  }
  const missing = token ? 'SLACK_CHANNEL is not set' : env.SLACK_CHANNEL ? 'no SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE' : 'no Slack settings';
  return { settings, warning: `Slack alerts are off (${missing}): alerts go to the log and to ${file}` };
}
