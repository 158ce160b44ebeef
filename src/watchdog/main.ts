// The watchdog process: checks the workers' task queue from outside them every WATCHDOG_EVERY_SECONDS; SIGTERM stops it.
import { Client } from '@temporalio/client';
import { alertSettingsFromEnv } from '../alerts/settings';
import { envOrExit } from '../config/env';
import { openStore } from '../store';
import { connectClient } from '../temporal/connect';
import { WatchdogEnv } from './settings';
import { Watchdog } from './watchdog';

async function main(): Promise<void> {
  const env = envOrExit();
  const parsed = WatchdogEnv.safeParse(process.env);
  if (!parsed.success) {
    process.stderr.write(`watchdog: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
    process.exit(2);
  }
  const say = (line: string) => void process.stdout.write(`${line}\n`);
  // the same target as the workers (TLS, mTLS or an API key when set), not the bare address
  const connection = await connectClient(env.temporal, env.TEMPORAL_CONNECT_TIMEOUT_MS);
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const watchdog = new Watchdog({
    client,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TASK_QUEUE,
    limitMs: parsed.data.WATCHDOG_LIMIT_SECONDS * 1000,
    alerts: alertSettingsFromEnv(env).settings,
    store: openStore(env.store),
    varDir: env.VAR_DIR,
    uiUrl: env.TEMPORAL_UI_URL,
    log: say,
  });
  say(`watchdog: task queue ${env.TASK_QUEUE}, alert after ${parsed.data.WATCHDOG_LIMIT_SECONDS} s without a worker`);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    watchdog
      .tick()
      .then((t) => t.sent && say(`watchdog: ${t.sent === 'firing' ? 'workers down' : 'workers back'}`))
      // an unreachable Temporal server is not the workers' outage: said, and checked again next time
      .catch((err: unknown) => say(`watchdog: check failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => (busy = false));
  }, parsed.data.WATCHDOG_EVERY_SECONDS * 1000);
  const stop = () => {
    clearInterval(timer);
    void connection.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`watchdog failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
