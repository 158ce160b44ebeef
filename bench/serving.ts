// Serving bench: autocannon on loopback against a constant Fastify route and /v1/predict (auth, validation, capture on), same server process.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Registry } from '../src/registry/registry';
import { buildApp } from '../src/serving/app';
import type { ServingConfigInput } from '../src/serving/config';
import { devKeyPath } from '../src/serving/keys';
import { registerSynthetic, syntheticModelBytes } from '../src/serving/synthetic';
import type { Figure } from './figure';
import { localStore } from '../src/store';

export interface BenchServingOptions {
  /** Seconds per measured target (after a short warm-up). */
  durationSec?: number;
  connections?: number;
  /** Serve this registry's champion instead of a freshly trained synthetic model. */
  registryRoot?: string;
  modelName?: string;
  /** One row sent with each request; default: a row for the synthetic model (or nulls for a given registry). */
  row?: Record<string, string | number | null>;
  /** Also measure /v1/predict with adaptive batching off (a second server start). Default true. */
  compareBatching?: boolean;
  log?: (line: string) => void;
}

interface AutocannonHistogram {
  average: number;
  total: number;
  p50: number;
  p99: number;
}
interface AutocannonResult {
  duration: number;
  requests: AutocannonHistogram;
  latency: AutocannonHistogram;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}
// autocannon ships no types; this is the slice of its API used here
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: AutocannonOptions) => Promise<AutocannonResult>;

interface Target {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const ROUND_SEC = 2;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * Measures every target for `totalSec`, in rounds of ROUND_SEC that take turns, so a burst of other
 * work on a shared machine hits all targets alike. rps = all requests / all time; p50 and p99 are the
 * medians over the rounds.
 */
async function interleaved(targets: Record<string, Omit<AutocannonOptions, 'duration' | 'connections'>>, connections: number, totalSec: number): Promise<Record<string, Target>> {
  const rounds = Math.max(1, Math.round(totalSec / ROUND_SEC));
  const acc: Record<string, { requests: number; seconds: number; p50: number[]; p99: number[]; non2xx: number; errors: number }> = {};
  for (const [name, t] of Object.entries(targets)) {
    await autocannon({ ...t, connections, duration: 1 }); // warm-up: JIT, connections, first batches
    acc[name] = { requests: 0, seconds: 0, p50: [], p99: [], non2xx: 0, errors: 0 };
  }
  for (let i = 0; i < rounds; i++) {
    for (const [name, t] of Object.entries(targets)) {
      const r = await autocannon({ ...t, connections, duration: ROUND_SEC });
      const a = acc[name];
      a.requests += r.requests.total;
      a.seconds += r.duration;
      a.p50.push(r.latency.p50);
      a.p99.push(r.latency.p99);
      a.non2xx += r.non2xx;
      a.errors += r.errors + r.timeouts;
    }
  }
  return Object.fromEntries(
    Object.entries(acc).map(([name, a]) => [name, { rps: a.requests / a.seconds, p50: median(a.p50), p99: median(a.p99), non2xx: a.non2xx, errors: a.errors }]),
  );
}

/** p50/p99 of a route's 200s from the server's own latency histogram (bucket upper bounds, in ms). */
async function serverQuantiles(url: string, route: string): Promise<{ p50: number; p99: number } | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets: [number, number][] = [];
  const re = /^http_request_duration_seconds_bucket\{le="([^"]+)",route="([^"]+)",method="POST",status="200"\} (\d+)$/gm;
  for (const m of text.matchAll(re)) if (m[2] === route) buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000, Number(m[3])]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const q = (f: number) => buckets.find(([, n]) => n >= f * total)?.[0] ?? Infinity;
  return { p50: q(0.5), p99: q(0.99) };
}

interface Served {
  url: string;
  key: string;
  stop(): Promise<void>;
}

/** Starts this file as a child process running the real app plus a constant route, so the load generator gets its own core. */
async function startServer(varDir: string, registryRoot: string, modelName: string, config: ServingConfigInput): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, [__filename, '--serve'], {
    env: { ...process.env, BENCH_SERVE: JSON.stringify({ varDir, registryRoot, modelName, config }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    lines.on('line', (line) => {
      const m = /^listening (http:\S+)$/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
  return {
    url,
    key,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A registry folder (e.g. var/registry) as a registry on a local store holding it. */
function registryAt(root: string): Registry {
  return new Registry(localStore(path.dirname(path.resolve(root))), path.basename(path.resolve(root)));
}

/** Child side: the real buildApp plus GET/POST /bench/constant, on a loopback port. */
async function serveChild(): Promise<void> {
  const { varDir, registryRoot, modelName, config } = JSON.parse(process.env.BENCH_SERVE ?? '{}') as {
    varDir: string;
    registryRoot: string;
    modelName: string;
    config: ServingConfigInput;
  };
  const app = await buildApp({ registry: registryAt(registryRoot), varDir, modelName, config });
  const constant = { model: { name: modelName, version: 1 }, predictions: [{ label: 0, probability: 0.5 }] };
  app.get('/bench/constant', async () => constant);
  app.post('/bench/constant', async () => constant);
  // BENCH_PROFILE=<file.cpuprofile>: a CPU profile of the server side, written when it stops (open in Chrome DevTools)
  const profileFile = process.env.BENCH_PROFILE;
  const session = profileFile ? new Session() : undefined;
  if (session) {
    session.connect();
    await new Promise<void>((res) => session.post('Profiler.enable', () => session.post('Profiler.start', () => res())));
  }
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`listening ${address}\n`);
  process.once('SIGTERM', () => {
    const stopProfile = new Promise<void>((res) => {
      if (!session || !profileFile) return res();
      session.post('Profiler.stop', (_err, result) => {
        writeFileSync(profileFile, JSON.stringify(result.profile));
        res();
      });
    });
    void stopProfile.then(() => app.close()).then(() => process.exit(0));
  });
}

export async function benchServing(opts: BenchServingOptions = {}): Promise<Figure[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const duration = opts.durationSec ?? 10;
  const connections = opts.connections ?? 64;
  const modelName = opts.modelName ?? 'flights';
  const varDir = await mkdtemp(path.join(os.tmpdir(), 'bench-serving-'));
  const registryRoot = opts.registryRoot ?? path.join(varDir, 'registry');
  try {
    let row = opts.row;
    if (!opts.registryRoot) {
      log('training a small synthetic model');
      await registerSynthetic(registryAt(registryRoot), modelName, syntheticModelBytes());
      row ??= { distance: 800, dep_hour: 17, carrier: 'AA', origin: 'ORD' };
    } else if (!row) {
      const reg = registryAt(registryRoot);
      const v = await reg.alias(modelName);
      if (v === undefined) throw new Error(`${modelName} has no champion in ${registryRoot}`);
      row = Object.fromEntries((await reg.metadata(modelName, v)).features.map((f) => [f.name, null]));
    }
    const body = JSON.stringify({ instances: [row] });
    // the limit stays on (it is part of the hot path) but high enough not to answer 429 in the bench
    const base: ServingConfigInput = { SERVING_RATE_LIMIT_MAX: 1_000_000_000, CAPTURE_SHARE: 100 };
    const figures: Figure[] = [];
    const withBatchingOff = opts.compareBatching ?? true;
    const on = await startServer(varDir, registryRoot, modelName, { ...base, SERVING_BATCHING: true });
    const off = withBatchingOff ? await startServer(varDir, registryRoot, modelName, { ...base, SERVING_BATCHING: false, SERVING_DEV_KEY: false }) : undefined;
    try {
      const post = (url: string, key?: string): Omit<AutocannonOptions, 'duration' | 'connections'> => ({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body,
      });
      const targets: Record<string, Omit<AutocannonOptions, 'duration' | 'connections'>> = {
        constant: { url: `${on.url}/bench/constant` },
        constantPost: post(`${on.url}/bench/constant`),
        predict: post(`${on.url}/v1/predict`, on.key),
        ...(off ? { predictUnbatched: post(`${off.url}/v1/predict`, on.key) } : {}),
      };
      log(`${Object.keys(targets).join(', ')}: ${connections} connections, ${duration} s each, interleaved in rounds of ${ROUND_SEC} s`);
      const r = await interleaved(targets, connections, duration);
      for (const [name, t] of Object.entries(r)) if (t.non2xx > 0 || t.errors > 0) log(`warning: ${name} had ${t.non2xx} non-2xx responses and ${t.errors} errors`);
      const c = r.constant;
      const cname = 'serving: constant Fastify route (GET)';
      figures.push({ name: `${cname} rps`, value: c.rps, unit: 'req/s' });
      figures.push({ name: `${cname} p50`, value: c.p50, unit: 'ms' });
      figures.push({ name: `${cname} p99`, value: c.p99, unit: 'ms' });
      const pname = 'serving: /v1/predict (auth+validation+capture)';
      figures.push({ name: `${pname} rps`, value: r.predict.rps, unit: 'req/s', baseline: { name: 'constant route', value: c.rps }, note: 'goal ratio >= 0.5' });
      figures.push({ name: `${pname} p50`, value: r.predict.p50, unit: 'ms', baseline: { name: 'constant route', value: c.p50 } });
      figures.push({ name: `${pname} p99`, value: r.predict.p99, unit: 'ms', baseline: { name: 'constant route', value: c.p99 }, note: 'goal < 10 ms' });
      figures.push({ name: 'serving: predict / constant throughput ratio', value: r.predict.rps / c.rps, unit: 'x', note: 'goal >= 0.5' });
      // the same POST with the same body, answered with a constant: what auth, validation, model and capture add
      figures.push({ name: 'serving: /v1/predict rps vs constant POST route', value: r.predict.rps, unit: 'req/s', baseline: { name: 'constant POST, same body', value: r.constantPost.rps } });
      const serverSide = await serverQuantiles(on.url, '/v1/predict');
      if (serverSide) {
        figures.push({ name: `${pname} server-side p50 (upper bucket bound)`, value: serverSide.p50, unit: 'ms', note: 'request in to response out, from /metrics' });
        figures.push({ name: `${pname} server-side p99 (upper bucket bound)`, value: serverSide.p99, unit: 'ms', note: 'with 64 closed-loop connections latency ~ 64 / rps (Little), for the constant route too' });
      }
      if (r.predictUnbatched) {
        figures.push({ name: 'serving: /v1/predict rps, batching on vs off', value: r.predict.rps, unit: 'req/s', baseline: { name: 'batching off', value: r.predictUnbatched.rps } });
        figures.push({ name: 'serving: /v1/predict p99, batching on vs off', value: r.predict.p99, unit: 'ms', baseline: { name: 'batching off', value: r.predictUnbatched.p99 } });
      }
    } finally {
      await Promise.all([on.stop(), off?.stop()]);
    }
    return figures;
  } finally {
    await rm(varDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv[2] === '--serve') {
    serveChild().catch((err: unknown) => {
      process.stderr.write(`bench server failed: ${(err as Error).message}\n`);
      process.exit(1);
    });
  } else {
    void import('./figure').then(async ({ formatFigure }) => {
      const secs = Number(process.env.BENCH_SECONDS ?? '10');
      for (const f of await benchServing({ durationSec: secs })) process.stdout.write(`${formatFigure(f)}\n`);
    });
  }
}
