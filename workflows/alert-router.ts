// alertRouter: the namespace's one alert desk; drops repeats within the cooldown, posts the rest, continues-as-new.
import { ActivityFailure, ApplicationFailure, allHandlersFinished, condition, continueAsNew, log, proxyActivities, setCurrentDetails, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alerts';
import { AlertSignalPayload, ResolveSignalPayload, RouterConfig, defaultRouterConfig, type Alert } from '../src/alerts/model';
import { alertSignal, resolveSignal, stateQuery, type AlertRouterInput, type PendingSignal, type RouterStateView } from '../src/alerts/router-contract';
import { decideAlert, decideResolve, emptyMemory, prune, recordDelivered, recordFailure, type RouterMemory } from '../src/alerts/router-state';

// Failures that retrying the same message cannot fix: fail the delivery at once.
const NON_RETRYABLE = ['SlackConfigError', 'SlackMessageRejected', 'AlertInvalid'];

export async function alertRouter(input: AlertRouterInput): Promise<never> {
  const parsedConfig = RouterConfig.safeParse(input?.config);
  let config: RouterConfig = parsedConfig.success ? parsedConfig.data : defaultRouterConfig();
  const memory: RouterMemory = input?.memory ?? emptyMemory();
  const generation = input?.generation ?? 0;
  const pending: PendingSignal[] = [...(input?.pending ?? [])];
  let inFlight = 0;
  let signalsThisRun = 0;

  // Handlers only queue: the main loop decides, so signals arriving during the hand-over are carried, not lost.
  setHandler(alertSignal, (payload) => {
    signalsThisRun++;
    pending.push({ kind: 'alert', payload });
  });
  setHandler(resolveSignal, (payload) => {
    signalsThisRun++;
    pending.push({ kind: 'resolve', payload });
  });
  setHandler(stateQuery, (): RouterStateView => ({
    config,
    counters: { ...memory.counters },
    keys: Object.values(memory.keys),
    failures: [...memory.failures],
    inFlight,
    pending: pending.length,
    signalsThisRun,
    generation,
  }));

  const showProgress = () => {
    const c = memory.counters;
    setCurrentDetails(
      `**alert router** · delivered ${c.delivered} · suppressed ${c.suppressed} · failed ${c.failed} · ` +
        `open keys ${Object.values(memory.keys).filter((k) => k.open).length} · in flight ${inFlight}`,
    );
  };

  async function deliver(alert: Alert): Promise<void> {
    inFlight++;
    showProgress();
    const { deliverAlert } = proxyActivities<AlertActivities>({
      summary: `${alert.kind === 'resolved' ? 'post resolved' : 'post alert'}: ${alert.title}`.slice(0, 200),
      startToCloseTimeout: config.delivery.startToCloseMs,
      retry: {
        initialInterval: config.delivery.initialIntervalMs,
        backoffCoefficient: 2,
        maximumInterval: config.delivery.maximumIntervalMs,
        maximumAttempts: config.delivery.maximumAttempts,
        nonRetryableErrorTypes: NON_RETRYABLE,
      },
    });
    try {
      await deliverAlert(alert);
      recordDelivered(memory, alert, Date.now());
    } catch (err) {
      // Logged and kept in the state, never alerted: an alert about a failing alert path would loop.
      const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
      const errorType = cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : cause instanceof Error ? cause.name : 'Unknown';
      const message = cause instanceof Error ? cause.message : String(cause);
      recordFailure(memory, alert, Date.now(), errorType, message);
      log.error('alert delivery failed; recorded in the router state', { key: alert.key, alertId: alert.id, errorType, error: message });
    } finally {
      inFlight--;
      showProgress();
    }
  }

  function take(signal: PendingSignal): void {
    const now = Date.now();
    if (signal.kind === 'alert') {
      const parsed = AlertSignalPayload.safeParse(signal.payload);
      if (!parsed.success) {
        memory.counters.rejected++;
        log.warn('alert signal rejected: not a valid alert', { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) });
        return;
      }
      // The newest sender's settings win, so a changed cooldown needs no router restart.
      if (parsed.data.config) config = parsed.data.config;
      const alert = parsed.data.alert;
      const decision = decideAlert(memory, alert, now, config);
      if (decision.action === 'deliver') void deliver(alert);
      else if (decision.action === 'suppress') log.info('alert suppressed within cooldown', { key: alert.key, until: new Date(decision.until).toISOString() });
      return;
    }
    const parsed = ResolveSignalPayload.safeParse(signal.payload);
    if (!parsed.success) {
      memory.counters.rejected++;
      log.warn('resolve signal rejected', { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    if (parsed.data.config) config = parsed.data.config;
    for (const message of decideResolve(memory, parsed.data.resolve, now, uuid4)) void deliver(message);
  }

  const dueForContinueAsNew = () => signalsThisRun >= config.maxSignalsPerRun || workflowInfo().continueAsNewSuggested;

  showProgress();
  // Signals carried from the previous run come first.
  while (pending.length > 0) take(pending.shift() as PendingSignal);
  while (!dueForContinueAsNew()) {
    await condition(() => pending.length > 0 || dueForContinueAsNew());
    while (pending.length > 0) take(pending.shift() as PendingSignal);
  }
  // Let running deliveries finish (their outcome belongs in the carried state); new signals wait in `pending`.
  await condition(() => inFlight === 0 && allHandlersFinished());
  return continueAsNew<typeof alertRouter>({
    config,
    memory: prune(memory, Date.now(), config),
    pending,
    generation: generation + 1,
  });
}
