// The alert shape shared by workflows, the router and the senders: one zod schema, types by z.infer.
import { z } from 'zod';

export const Severity = z.enum(['info', 'warning', 'error', 'critical']);
export type Severity = z.infer<typeof Severity>;

/** Where the alert comes from: the run (for the Web UI link) and, for failures, what failed. */
export const AlertSource = z.object({
  workflowId: z.string().min(1),
  runId: z.string().min(1),
  workflowType: z.string().min(1),
  namespace: z.string().min(1).optional(),
  taskQueue: z.string().min(1).optional(),
  activity: z.string().min(1).optional(),
  attempt: z.number().int().positive().optional(),
  /** Temporal's retry state of the failed activity, e.g. MAXIMUM_ATTEMPTS_REACHED or NON_RETRYABLE_FAILURE. */
  retryState: z.string().min(1).optional(),
  errorType: z.string().min(1).optional(),
  message: z.string().max(4000),
});
export type AlertSource = z.infer<typeof AlertSource>;

/** One failed data-quality expectation; the field names match the quality gate's FailedExpectation. */
export const FailedExpectation = z.object({
  name: z.string().min(1),
  column: z.string().nullish(),
  summary: z.string().nullish(),
  observedValue: z.unknown().optional(),
  unexpectedPercent: z.number().nullish(),
});
export type FailedExpectation = z.infer<typeof FailedExpectation>;

/** One drifted feature; the field names match the drift statistics' FeatureDriftResult. */
export const DriftedFeature = z.object({
  feature: z.string().min(1),
  method: z.string().min(1),
  statistic: z.number(),
  threshold: z.number(),
  pValue: z.number().nullish(),
  psi: z.number().nullish(),
});
export type DriftedFeature = z.infer<typeof DriftedFeature>;

export const AlertDetails = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('gate'),
    failedExpectations: z.array(FailedExpectation).min(1),
    /** How many expectations ran, to show "3 of 12 failed". */
    total: z.number().int().nonnegative().optional(),
  }),
  z.object({
    kind: z.literal('drift'),
    driftedFeatures: z.array(DriftedFeature).min(1),
    model: z.string().min(1).optional(),
    version: z.union([z.string(), z.number()]).optional(),
    numberOfFeatures: z.number().int().nonnegative().optional(),
  }),
  /** Anything else worth a line each, e.g. {"dataset": "flights", "rows": "1200"}. */
  z.object({ kind: z.literal('fields'), fields: z.record(z.string(), z.string()) }),
]);
export type AlertDetails = z.infer<typeof AlertDetails>;
export type AlertDetailsInput = z.input<typeof AlertDetails>;

export const AlertLinks = z.object({
  /** The run in the Temporal Web UI; filled in by the routeAlert activity, which knows the UI's address. */
  run: z.url().optional(),
  /** A report: an http(s) URL is shown as a link, anything else (a file path) as text. */
  report: z.string().min(1).max(2000).optional(),
});
export type AlertLinks = z.infer<typeof AlertLinks>;

export const AlertKind = z.enum(['firing', 'resolved']);
export type AlertKind = z.infer<typeof AlertKind>;

export const Alert = z.object({
  /** Unique per raised alert (deterministic uuid from the workflow); makes every write idempotent. */
  id: z.string().min(1).max(200),
  kind: AlertKind,
  /** Deduplication key: the router sends one message per key per cooldown. */
  key: z.string().min(1).max(300),
  severity: Severity,
  title: z.string().min(1).max(300),
  source: AlertSource,
  details: AlertDetails.optional(),
  links: AlertLinks.default({}),
  /** ISO time, from the raising workflow's clock. */
  raisedAt: z.iso.datetime(),
});
export type Alert = z.infer<typeof Alert>;
/** What workflow code builds (links may be absent); the parsed Alert has them defaulted. */
export type AlertInput = z.input<typeof Alert>;

/** A request to close an open alert key (or every open key under a prefix); the router posts "resolved". */
export const ResolveRequest = z
  .object({
    id: z.string().min(1).max(200),
    key: z.string().min(1).max(300).optional(),
    keyPrefix: z.string().min(1).max(300).optional(),
    note: z.string().max(2000).optional(),
    source: AlertSource,
    resolvedAt: z.iso.datetime(),
  })
  .refine((r) => (r.key === undefined) !== (r.keyPrefix === undefined), { message: 'give exactly one of key or keyPrefix' });
export type ResolveRequest = z.infer<typeof ResolveRequest>;

/** The one input of the routeAlert activity. */
export const RouteRequest = z.discriminatedUnion('kind', [z.object({ kind: z.literal('alert'), alert: Alert }), z.object({ kind: z.literal('resolve'), resolve: ResolveRequest })]);
export type RouteRequest = z.infer<typeof RouteRequest>;
export type RouteRequestInput = z.input<typeof RouteRequest>;

/** The router's tunables; every signal carries the sender's, so a config change needs no router restart. */
export const RouterConfig = z.object({
  cooldownMs: z.number().int().nonnegative(),
  /** Continue-as-new after this many signals, to bound the router's history. */
  maxSignalsPerRun: z.number().int().positive(),
  delivery: z.object({
    initialIntervalMs: z.number().int().positive(),
    maximumIntervalMs: z.number().int().positive(),
    maximumAttempts: z.number().int().positive(),
    startToCloseMs: z.number().int().positive(),
  }),
  /** An open (unresolved) key is forgotten after this long without a new occurrence. */
  openRetentionMs: z.number().int().positive(),
});
export type RouterConfig = z.infer<typeof RouterConfig>;

const MINUTE = 60_000;

export function defaultRouterConfig(cooldownMs = 30 * MINUTE): RouterConfig {
  return {
    cooldownMs,
    maxSignalsPerRun: 500,
    // Slack outages are usually minutes: back off to a minute between tries, give up after ~15 minutes.
    delivery: { initialIntervalMs: 2_000, maximumIntervalMs: 60_000, maximumAttempts: 20, startToCloseMs: 30_000 },
    openRetentionMs: 7 * 24 * 60 * MINUTE,
  };
}

/** Signal payloads as the router validates them (a person can signal it by hand, too). */
export const AlertSignalPayload = z.object({ alert: Alert, config: RouterConfig.optional() });
export const ResolveSignalPayload = z.object({ resolve: ResolveRequest, config: RouterConfig.optional() });

/** `<ui>/namespaces/<ns>/workflows/<workflowId>/<runId>`: the run's page in the Temporal Web UI. */
export function runLink(uiUrl: string, namespace: string, workflowId: string, runId: string): string {
  const base = uiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}`;
}

export function isHttpUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}
