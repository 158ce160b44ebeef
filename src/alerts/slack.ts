// Posts alerts with @slack/web-api's WebClient (its own retries off) and sorts Slack's failures into retry classes.
import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Alert } from './model';
import { renderSlackMessage } from './blocks';
import { redactLine, type LogSink, type Secret } from '../util/redact';

export interface SlackTarget {
  token: Secret;
  channel: string;
  /** Base URL of the Web API (tests, proxies); Slack's own when absent. */
  apiUrl?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/** The WebClient logs too: route it through redaction, at warn, whatever level it is asked to use. */
class RedactingSlackLogger implements SlackLogger {
  constructor(
    private readonly sink: LogSink,
    private readonly secrets: readonly Secret[],
  ) {}
  debug(): void {}
  info(): void {}
  warn(...msg: unknown[]): void {
    this.sink('warn', `slack web-api: ${redactLine(msg, this.secrets)}`);
  }
  error(...msg: unknown[]): void {
    this.sink('error', `slack web-api: ${redactLine(msg, this.secrets)}`);
  }
  setLevel(): void {}
  getLevel(): LogLevel {
    return LogLevel.WARN;
  }
  setName(): void {}
}

export function createSlackClient(target: SlackTarget, sink: LogSink): WebClient {
  const apiUrl = target.apiUrl ? target.apiUrl.replace(/\/*$/, '/') : undefined;
  return new WebClient(target.token.reveal(), {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    logger: new RedactingSlackLogger(sink, [target.token]),
    // Temporal's activity retry policy does the retrying (visible in the UI, survives a worker crash);
    // the client must neither retry nor sleep on a 429 itself, so it hands the Retry-After back to us.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: target.timeoutMs ?? 10_000,
    // A method name that is an absolute URL must not send the token anywhere else.
    allowAbsoluteUrls: false,
  });
}

export interface Posted {
  channel: string;
  ts: string;
}

// Slack answers these when the blocks themselves are the problem; the text-only message still informs.
const BLOCK_ERRORS = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_blocks_too_long']);

/** One chat.postMessage with blocks and text; falls back to text alone if Slack refuses the blocks. */
export async function postAlert(client: WebClient, channel: string, alert: Alert): Promise<Posted> {
  const message = renderSlackMessage(alert);
  try {
    const res = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false });
    return { channel: res.channel ?? channel, ts: res.ts ?? '' };
  } catch (err) {
    if (err instanceof WebAPIPlatformError && BLOCK_ERRORS.has(err.data.error)) {
      const res = await client.chat.postMessage({ channel, text: message.text, unfurl_links: false });
      return { channel: res.channel ?? channel, ts: res.ts ?? '' };
    }
    throw err;
  }
}

/** How a failed post should be treated. */
export type SlackFailure =
  /** Token, scopes or channel are wrong: retrying cannot help, a person must fix the settings. */
  | { kind: 'config'; code: string; message: string }
  /** Slack said wait: retry after exactly this long. */
  | { kind: 'rateLimited'; retryAfterSeconds: number; message: string }
  /** 5xx, network, timeouts, Slack-side hiccups: retry with backoff. */
  | { kind: 'transient'; code: string; message: string }
  /** Slack refused this message (bad arguments): retrying the same message cannot help. */
  | { kind: 'rejected'; code: string; message: string };

const CONFIG_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_non_threadable_channel',
  'team_access_not_granted',
  'access_denied',
  'ekm_access_denied',
  'org_login_required',
]);
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'team_added_to_org']);

export function classifySlackError(err: unknown): SlackFailure {
  if (err instanceof WebAPIRateLimitedError) {
    const seconds = Number.isFinite(err.retryAfter) && err.retryAfter > 0 ? err.retryAfter : 1;
    return { kind: 'rateLimited', retryAfterSeconds: seconds, message: `Slack rate limit: retry after ${seconds} s` };
  }
  if (err instanceof WebAPIPlatformError) {
    const code = err.data.error;
    if (CONFIG_ERRORS.has(code)) return { kind: 'config', code, message: `Slack refused the bot settings (${code})` };
    if (TRANSIENT_ERRORS.has(code)) return { kind: 'transient', code, message: `Slack failed (${code})` };
    return { kind: 'rejected', code, message: `Slack rejected the message (${code})` };
  }
  if (err instanceof WebAPIHTTPError) {
    const status = err.statusCode;
    if (status >= 500 || status === 408) return { kind: 'transient', code: `http_${status}`, message: `Slack answered HTTP ${status}` };
    // 401/403/404 from the API URL itself: wrong SLACK_API_URL or a proxy refusing us.
    if (status === 401 || status === 403 || status === 404) {
      return { kind: 'config', code: `http_${status}`, message: `Slack API URL answered HTTP ${status}` };
    }
    return { kind: 'rejected', code: `http_${status}`, message: `Slack answered HTTP ${status}` };
  }
  if (err instanceof WebAPIRequestError) {
    return { kind: 'transient', code: 'request_error', message: `Slack unreachable: ${err.original.message}` };
  }
  // Anything else (e.g. a 429 without a usable Retry-After) is treated as passing trouble, retried with backoff.
  return { kind: 'transient', code: 'unknown', message: `Slack call failed: ${err instanceof Error ? err.message : String(err)}` };
}
