// The router's dedup/cooldown bookkeeping as plain data and pure functions (the workflow supplies the clock).
import type { Alert, AlertSource, ResolveRequest, RouterConfig, Severity } from './model';

export interface KeyState {
  key: string;
  title: string;
  severity: Severity;
  /** Fired and not yet resolved: a resolve request for it posts a "resolved" message. */
  open: boolean;
  firstSeenAt: number;
  lastSeenAt: number;
  /** When a message for this key was last handed to delivery; the cooldown runs from here. */
  lastSentAt?: number;
  /** When the last message for this key was confirmed delivered. */
  lastDeliveredAt?: number;
  /** The alert that opened the current episode, for the "resolved" message. */
  opener: { id: string; source: AlertSource };
  occurrences: number;
  suppressed: number;
}

export interface DeliveryFailure {
  alertId: string;
  key: string;
  kind: Alert['kind'];
  at: number;
  errorType: string;
  message: string;
}

export interface RouterCounters {
  received: number;
  delivered: number;
  suppressed: number;
  duplicates: number;
  failed: number;
  resolved: number;
  rejected: number;
}

/** Everything the router carries across continue-as-new. */
export interface RouterMemory {
  keys: Record<string, KeyState>;
  /** Recently seen request ids (bounded): a retried routeAlert re-signals the same id. */
  recentIds: string[];
  /** The last delivery failures (bounded), newest last. */
  failures: DeliveryFailure[];
  counters: RouterCounters;
}

export const RECENT_IDS_KEPT = 500;
export const FAILURES_KEPT = 20;

export function emptyMemory(): RouterMemory {
  return {
    keys: {},
    recentIds: [],
    failures: [],
    counters: { received: 0, delivered: 0, suppressed: 0, duplicates: 0, failed: 0, resolved: 0, rejected: 0 },
  };
}

function remember(memory: RouterMemory, id: string): boolean {
  if (memory.recentIds.includes(id)) return false;
  memory.recentIds.push(id);
  if (memory.recentIds.length > RECENT_IDS_KEPT) memory.recentIds.splice(0, memory.recentIds.length - RECENT_IDS_KEPT);
  return true;
}

export type AlertDecision = { action: 'deliver' } | { action: 'suppress'; until: number } | { action: 'duplicate' };

/** Records an incoming alert and decides whether it goes out now (outside the key's cooldown). */
export function decideAlert(memory: RouterMemory, alert: Alert, now: number, config: RouterConfig): AlertDecision {
  if (!remember(memory, alert.id)) {
    memory.counters.duplicates++;
    return { action: 'duplicate' };
  }
  memory.counters.received++;
  const existing = memory.keys[alert.key];
  const state: KeyState = existing ?? {
    key: alert.key,
    title: alert.title,
    severity: alert.severity,
    open: true,
    firstSeenAt: now,
    lastSeenAt: now,
    opener: { id: alert.id, source: alert.source },
    occurrences: 0,
    suppressed: 0,
  };
  memory.keys[alert.key] = state;
  state.occurrences++;
  state.lastSeenAt = now;
  if (!state.open) {
    // A resolved key firing again starts a new episode.
    state.open = true;
    state.opener = { id: alert.id, source: alert.source };
    state.firstSeenAt = now;
  }
  if (state.lastSentAt !== undefined && now - state.lastSentAt < config.cooldownMs) {
    state.suppressed++;
    memory.counters.suppressed++;
    return { action: 'suppress', until: state.lastSentAt + config.cooldownMs };
  }
  state.title = alert.title;
  state.severity = alert.severity;
  state.lastSentAt = now;
  return { action: 'deliver' };
}

/** Closes the open keys a resolve request names; returns the "resolved" messages to send. */
export function decideResolve(memory: RouterMemory, request: ResolveRequest, now: number, newId: () => string): Alert[] {
  if (!remember(memory, request.id)) {
    memory.counters.duplicates++;
    return [];
  }
  const matches = Object.values(memory.keys).filter((k) => k.open && (request.key !== undefined ? k.key === request.key : k.key.startsWith(request.keyPrefix ?? '\u0000')));
  const messages: Alert[] = [];
  for (const state of matches) {
    state.open = false;
    // The condition cleared: a recurrence deserves a message at once, not after the old cooldown.
    const wasDelivered = state.lastDeliveredAt !== undefined;
    delete state.lastSentAt;
    delete state.lastDeliveredAt;
    memory.counters.resolved++;
    // Nobody heard of it (every delivery failed): a lone "resolved" would only confuse.
    if (!wasDelivered) continue;
    messages.push({
      id: newId(),
      kind: 'resolved',
      key: state.key,
      severity: 'info',
      title: state.title,
      source: { ...request.source, message: request.note ?? `resolved by ${request.source.workflowType}` },
      links: {},
      raisedAt: new Date(now).toISOString(),
    });
  }
  return messages;
}

export function recordDelivered(memory: RouterMemory, alert: Alert, now: number): void {
  memory.counters.delivered++;
  const state = memory.keys[alert.key];
  if (state && alert.kind === 'firing') state.lastDeliveredAt = now;
}

export function recordFailure(memory: RouterMemory, alert: Alert, now: number, errorType: string, message: string): void {
  memory.counters.failed++;
  memory.failures.push({ alertId: alert.id, key: alert.key, kind: alert.kind, at: now, errorType, message: message.slice(0, 500) });
  if (memory.failures.length > FAILURES_KEPT) memory.failures.splice(0, memory.failures.length - FAILURES_KEPT);
  const state = memory.keys[alert.key];
  // Undelivered means unheard: let the next occurrence try again instead of sitting out a cooldown.
  if (state && alert.kind === 'firing' && state.lastDeliveredAt === undefined) delete state.lastSentAt;
}

/** Drops keys whose cooldown has passed and that no resolve can still concern; keeps the carried state small. */
export function prune(memory: RouterMemory, now: number, config: RouterConfig): RouterMemory {
  const keys: Record<string, KeyState> = {};
  for (const [key, state] of Object.entries(memory.keys)) {
    const coolingDown = state.lastSentAt !== undefined && now - state.lastSentAt < config.cooldownMs;
    const openAndRecent = state.open && now - state.lastSeenAt < config.openRetentionMs;
    if (coolingDown || openAndRecent) keys[key] = state;
  }
  return { ...memory, keys };
}
