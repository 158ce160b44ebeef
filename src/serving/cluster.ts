// Multi-process mode: a primary forks one server process per core; it owns usage.json and sums rate-limit counts for all of them.
import cluster, { type Worker } from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { UsageCounts, UsageStore } from './usage';
import { WindowCounterHub, type WindowCounter } from './window-counter';

/** How often a process reports its counts to the primary and learns the others': the bound on how far a limit can be overshot. */
export const SYNC_MS = 50;

const CounterName = z.enum(['requests', 'authFailures']);
type CounterName = z.infer<typeof CounterName>;
const Counts = z.array(z.tuple([z.string(), z.number()]));
const Delta = z.object({
  keyId: z.string(),
  name: z.string(),
  requests: z.number(),
  rows: z.number(),
  errors: z.number(),
  lastSeenMs: z.number(),
  models: z.record(z.string(), z.object({ requests: z.number(), rows: z.number(), errors: z.number() })),
});

/** Messages between the primary and its server processes (IPC carries JSON; every message is checked on arrival). */
const ToPrimary = z.discriminatedUnion('type', [
  z.object({ type: z.literal('counter'), name: CounterName, window: z.number(), counts: Counts }),
  z.object({ type: z.literal('usage'), deltas: z.array(Delta), ask: z.number().optional() }),
]);
const ToWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('others'), name: CounterName, window: z.number(), counts: Counts }),
  z.object({ type: z.literal('usageSnapshot'), ask: z.number(), keys: z.record(z.string(), z.unknown()) }),
]);
type ToPrimary = z.infer<typeof ToPrimary>;
type ToWorker = z.infer<typeof ToWorker>;

const TAG = 'ml-serving';
const wrap = (msg: ToPrimary | ToWorker) => ({ [TAG]: msg });
const unwrap = (raw: unknown): unknown => (raw && typeof raw === 'object' && TAG in raw ? (raw as Record<string, unknown>)[TAG] : undefined);

export interface PrimaryOptions {
  processes: number;
  usage: UsageStore;
  log: FastifyBaseLogger;
  /** How long a graceful stop waits for the server processes before killing them. */
  shutdownTimeoutMs: number;
}

/**
 * Runs the primary: forks `processes` servers (each listens itself on the shared port), restarts one
 * that dies unexpectedly, relays counts, merges usage into its own store (the only writer of the
 * file), and on SIGTERM/SIGINT stops every server gracefully, then saves usage and exits.
 */
export async function runPrimary(opts: PrimaryOptions): Promise<void> {
  const { log, usage } = opts;
  const hubs: Record<CounterName, WindowCounterHub> = { requests: new WindowCounterHub(), authFailures: new WindowCounterHub() };
  const workers = new Map<number, Worker>();
  let stopping = false;
  let restarts = 0;

  const send = (w: Worker, msg: ToWorker) => {
    if (w.isConnected()) w.send(wrap(msg), undefined, () => undefined);
  };

  // No GC flags for the servers: `--single-threaded-gc` looked 2-5% cheaper in short runs, but under
  // sustained load (--trace-gc, 6 s at full load) each server's heap grew by about 14 MB at every scavenge
  // (68-77 -> 231-251 MB in 6 s), scavenges paused about 30 ms, and GC cost 8.7 us per request against 1 without it.
  const fork = (index: number): void => {
    const w = cluster.fork({ SERVING_PROCESS_INDEX: String(index) });
    workers.set(index, w);
    w.on('message', (raw: unknown) => {
      const parsed = ToPrimary.safeParse(unwrap(raw));
      if (!parsed.success) return;
      const msg = parsed.data;
      if (msg.type === 'counter') {
        const touched = hubs[msg.name].add(index, { window: msg.window, counts: msg.counts });
        const keys = touched.map(([k]) => k);
        for (const [j, other] of workers) {
          if (j === index || keys.length === 0) continue;
          send(other, { type: 'others', name: msg.name, window: msg.window, counts: hubs[msg.name].othersFor(j, keys) });
        }
      } else {
        usage.merge(msg.deltas);
        // the other processes report every SYNC_MS: answering after two of those includes what they counted until now
        const ask = msg.ask;
        if (ask !== undefined) setTimeout(() => send(w, { type: 'usageSnapshot', ask, keys: usage.snapshot() }), 2 * SYNC_MS);
      }
    });
    w.on('exit', (code, signal) => {
      if (workers.get(index) === w) workers.delete(index);
      if (stopping) return;
      restarts++;
      // a process that keeps dying at start (bad model file, port taken) must not spin the CPU
      const delay = Math.min(30_000, 250 * 2 ** Math.min(restarts, 7));
      log.error({ index, code, signal, restartInMs: delay }, 'server process exited unexpectedly; starting a new one');
      setTimeout(() => !stopping && fork(index), delay).unref();
    });
  };

  for (let i = 0; i < opts.processes; i++) fork(i);
  log.info({ processes: opts.processes, pid: process.pid }, 'primary started the server processes');

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal, processes: workers.size }, 'stopping every server process');
      const all = [...workers.values()];
      const exited = all.map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once('exit', () => r()))));
      for (const w of all) w.process.kill('SIGTERM');
      const killer = setTimeout(() => {
        for (const w of all) if (!w.isDead()) w.process.kill('SIGKILL');
      }, opts.shutdownTimeoutMs + 5000);
      killer.unref();
      void Promise.all(exited).then(() => {
        clearTimeout(killer);
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await usage.close();
}

/** A server process's side: reports its counts and usage to the primary, applies what the others counted. */
export class WorkerLink {
  private timer: NodeJS.Timeout | undefined;
  private asks = new Map<number, (keys: Record<string, UsageCounts>) => void>();
  private nextAsk = 1;

  constructor(
    readonly index: number,
    private readonly counters: Record<CounterName, WindowCounter>,
    private readonly usage: UsageStore,
  ) {}

  static current(): number | undefined {
    if (cluster.isPrimary) return undefined;
    const index = Number(process.env.SERVING_PROCESS_INDEX);
    return Number.isInteger(index) ? index : undefined;
  }

  /** Reports counters and usage every SYNC_MS (small messages: one entry per key seen since the last one). */
  start(): void {
    process.on('message', this.onMessage);
    // failed logins are rare and a guesser is fast: each one is reported at once, so the block holds across processes to within one IPC hop
    this.counters.authFailures.onHit = () => this.reportCounter('authFailures');
    // requests are reported every SYNC_MS, and on every hit once a key is near its limit
    this.counters.requests.onNearLimit = () => this.reportCounter('requests');
    this.timer = setInterval(() => {
      this.reportCounters();
      void this.reportUsage();
    }, SYNC_MS);
    this.timer.unref();
  }

  private readonly onMessage = (raw: unknown): void => {
    const parsed = ToWorker.safeParse(unwrap(raw));
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.type === 'others') this.counters[msg.name].setOthers(msg.window, msg.counts);
    else this.asks.get(msg.ask)?.(msg.keys as Record<string, UsageCounts>);
  };

  private send(msg: ToPrimary): Promise<void> {
    return new Promise((resolve) => {
      if (!process.send || !process.connected) return resolve();
      process.send(wrap(msg), undefined, {}, () => resolve());
    });
  }

  private reportCounter(name: CounterName): void {
    const report = this.counters[name].takeReport();
    if (report) void this.send({ type: 'counter', name, window: report.window, counts: report.counts });
  }

  private reportCounters(): void {
    for (const name of CounterName.options) this.reportCounter(name);
  }

  /** Sends the usage counted since the last report; resolves once the message left. */
  reportUsage(): Promise<void> {
    const deltas = this.usage.drain();
    return deltas.length > 0 ? this.send({ type: 'usage', deltas }) : Promise.resolve();
  }

  /** Every process's usage as the primary holds it, after this process's own latest counts. */
  usageSnapshot(timeoutMs = 2000): Promise<Record<string, UsageCounts>> {
    const ask = this.nextAsk++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.asks.delete(ask);
        reject(new Error('the primary process did not answer'));
      }, timeoutMs);
      this.asks.set(ask, (keys) => {
        clearTimeout(timer);
        this.asks.delete(ask);
        resolve(keys);
      });
      void this.send({ type: 'usage', deltas: this.usage.drain(), ask });
    });
  }

  /** Final report before the process exits. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.reportCounters();
    await this.reportUsage();
    process.off('message', this.onMessage);
  }
}
