// Shared helpers for the alert tests: per-test settings with a router of its own, polling the router state.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultRouterConfig, type RouterConfig } from '../../src/alerts/model';
import { Secret } from '../../src/util/redact';
import { stateQuery, type RouterStateView } from '../../src/alerts/router-contract';
import type { AlertSettings } from '../../src/alerts/settings';
import type { FakeSlack } from '../support/fake-slack';

let counter = 0;
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

/** A recognizable random token, shaped like a bot token. */
export function randomToken(): string {
  return `xoxb-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}-TESTTOKEN`;
}

/** Fast delivery retries, a long cooldown (a second alert in the same test is inside it), a router of its own. */
export function testAlertSettings(opts: { fake?: FakeSlack; token?: string; router?: Partial<RouterConfig>; alertsFile?: string } = {}): AlertSettings {
  const router: RouterConfig = {
    ...defaultRouterConfig(10 * 60_000),
    delivery: { initialIntervalMs: 100, maximumIntervalMs: 500, maximumAttempts: 6, startToCloseMs: 10_000 },
    ...opts.router,
  };
  return {
    routerWorkflowId: uniqueId('alert-router-test'),
    router,
    ...(opts.alertsFile ? { alertsFile: opts.alertsFile } : {}),
    ...(opts.fake ? { slack: { token: new Secret(opts.token ?? randomToken()), channel: 'C0ALERTS', apiUrl: opts.fake.url, timeoutMs: 5_000 } } : {}),
  };
}

/** Polls the router's `state` query until `done` holds (the router is started by the first alert). */
export async function waitForRouter(env: TestWorkflowEnvironment, routerWorkflowId: string, done: (s: RouterStateView) => boolean, timeoutMs = 60_000): Promise<RouterStateView> {
  const deadline = Date.now() + timeoutMs;
  let last: RouterStateView | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await env.client.workflow.getHandle(routerWorkflowId).query(stateQuery);
      if (done(last)) return last;
    } catch (err) {
      lastError = err; // not started yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`router ${routerWorkflowId} did not reach the expected state; last: ${JSON.stringify(last ?? String(lastError))}`);
}

/** Settled: nothing queued, nothing being delivered. */
export const idle = (s: RouterStateView): boolean => s.pending === 0 && s.inFlight === 0;

export async function stopRouter(env: TestWorkflowEnvironment, routerWorkflowId: string): Promise<void> {
  try {
    await env.client.workflow.getHandle(routerWorkflowId).terminate('test finished');
  } catch {
    // never started, or already closed
  }
}
