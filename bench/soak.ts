// Soak bench (`npm run bench -- soak`, opt-in): the real API process at a steady request rate with feedback traffic for
// minutes; reports its RSS over time and checks that every acknowledged label is in the store afterwards.
import { spawn } from 'node:child_process';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Registry } from '../src/registry/registry';
import { devKeyPath } from '../src/serving/keys';
import { localStore } from '../src/store';
import { freePort } from '../src/up/processes';
import type { Figure } from './figure';
import { registerSynthetic, syntheticModelBytes } from '../test/support/synthetic-model';

export interface SoakOptions {
  /** Minutes of steady load after the warm-up (BENCH_SOAK_MIN, default 20). */
  minutes?: number;
  /** Warm-up minutes whose RSS is not judged (default 2). */
  warmupMinutes?: number;
  /** /v1/predict requests per second (BENCH_SOAK_RATE, default 1,000). */
  rate?: number;
  log?: (line: string) => void;
}

/** Resident set size of a process in MiB, from /proc (Linux). */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

interface Answer {
  status: number;
  body: string;
}

function post(agent: Agent, port: number, urlPath: string, key: string, body: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: urlPath, method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

/** Every label id stored under <store>/labels/<model>/ (the API's own files, after it has flushed on SIGTERM). */
async function storedLabelIds(root: string, model: string): Promise<Set<string>> {
  const ids = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.name.endsWith('.jsonl') && full.includes(`${path.sep}labels${path.sep}${model}${path.sep}`)) {
        for (const line of (await readFile(full, 'utf8')).split('\n')) {
          if (!line) continue;
          const rec = JSON.parse(line) as { id?: unknown };
          if (typeof rec.id === 'string') ids.add(rec.id);
        }
      }
    }
  };
  await walk(root);
  return ids;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

export async function benchSoak(opts: SoakOptions = {}): Promise<Figure[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const minutes = opts.minutes ?? Number(process.env.BENCH_SOAK_MIN ?? 20);
  const warmup = opts.warmupMinutes ?? Math.min(2, minutes / 4);
  const rate = opts.rate ?? Number(process.env.BENCH_SOAK_RATE ?? 1000);
  const varDir = await mkdtemp(path.join(os.tmpdir(), 'bench-soak-'));
  const port = await freePort();
  const registry = new Registry(localStore(varDir));
  await registerSynthetic(registry, 'flights', syntheticModelBytes(), { runKey: 'soak' });
  const child = spawn(process.execPath, [path.resolve(__dirname, '..', 'src', 'serving', 'main.js')], {
    env: {
      ...process.env,
      VAR_DIR: varDir,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      MODEL_NAME: 'flights',
      LOG_LEVEL: 'warn',
      SERVING_PROCESSES: '1',
      SERVING_RATE_LIMIT_MAX: '1000000000',
      CAPTURE_SHARE: '100',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (i > 600) throw new Error('the API did not become ready in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const instance = JSON.stringify({ distance: 800, dep_hour: 17, carrier: 'AA', origin: 'ORD' });
    log(`soak: ${rate} req/s of /v1/predict (1 row, own id) for ${warmup} + ${minutes} min, labels for every answered id posted each second; RSS sampled every 10 s`);

    const statuses = new Map<number, number>();
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    let pendingLabels: string[] = [];
    const acknowledged = new Set<string>();
    let feedbackFailures = 0;
    const rss: { t: number; mib: number }[] = [];
    const started = Date.now();
    const end = started + (warmup + minutes) * 60_000;
    let sent = 0;
    const inflight = new Set<Promise<void>>();

    const sampler = setInterval(() => {
      void rssMiB(child.pid!).then((mib) => rss.push({ t: (Date.now() - started) / 60_000, mib }));
    }, 10_000);
    const feeder = setInterval(() => {
      if (!pendingLabels.length) return;
      const ids = pendingLabels;
      pendingLabels = [];
      const p = post(agent, port, '/v1/feedback', key, JSON.stringify({ labels: ids.map((id, i) => ({ id, label: i % 2 })) })).then((a) => {
        count(a.status);
        if (a.status === 200) for (const id of ids) acknowledged.add(id);
        else feedbackFailures++;
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }, 1000);

    // paced in 10 ms ticks: each tick sends what the rate owes since the start, so a slow tick is caught up, never dropped
    while (Date.now() < end) {
      const owed = Math.floor(((Date.now() - started) / 1000) * rate) - sent;
      for (let i = 0; i < owed; i++) {
        const id = `soak-${sent++}`;
        const p = post(agent, port, '/v1/predict', key, `{"instances":[${instance}],"ids":[${JSON.stringify(id)}]}`).then((a) => {
          count(a.status);
          if (a.status === 200) pendingLabels.push(id);
        });
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    clearInterval(sampler);
    clearInterval(feeder);
    await Promise.all(inflight);
    if (pendingLabels.length) {
      const ids = pendingLabels;
      const a = await post(agent, port, '/v1/feedback', key, JSON.stringify({ labels: ids.map((id, i) => ({ id, label: i % 2 })) }));
      count(a.status);
      if (a.status === 200) for (const id of ids) acknowledged.add(id);
    }
    agent.destroy();
    child.kill('SIGTERM');
    await exited;
    const stored = await storedLabelIds(varDir, 'flights');
    const lost = [...acknowledged].filter((id) => !stored.has(id)).length;

    const afterWarmup = rss.filter((s) => s.t >= warmup);
    // the first minute after warm-up against the last minute (the same samples when the soak is one minute long)
    const atWarmup = median(afterWarmup.filter((s) => s.t < warmup + 1).map((s) => s.mib));
    const lastMinutes = median(afterWarmup.filter((s) => s.t >= warmup + minutes - 1).map((s) => s.mib));
    const peak = Math.max(...afterWarmup.map((s) => s.mib));
    const growth = ((lastMinutes - atWarmup) / atWarmup) * 100;
    const elapsed = (Date.now() - started) / 1000;
    log(
      `requests: ${sent} predictions in ${elapsed.toFixed(0)} s (${(sent / elapsed).toFixed(0)}/s); statuses ${JSON.stringify(Object.fromEntries(statuses))}; feedback calls failed: ${feedbackFailures}`,
    );
    log(`RSS (MiB) every 10 s: ${rss.map((s) => s.mib.toFixed(0)).join(' ')}`);
    const fivexx = [...statuses].filter(([s]) => s >= 500 || s === 0).reduce((n, [, c]) => n + c, 0);
    return [
      {
        name: 'soak: API RSS growth after warm-up (median of the last minute vs the first after warm-up)',
        value: growth,
        unit: '%',
        baseline: { name: `RSS in the minute after ${warmup} min warm-up`, value: atWarmup, unit: 'MiB' },
        note: `goal within 10 %; peak ${peak.toFixed(0)} MiB`,
      },
      { name: 'soak: acknowledged labels missing from the store', value: lost, unit: 'labels', baseline: { name: 'labels acknowledged', value: acknowledged.size }, note: 'goal 0' },
      { name: 'soak: 5xx or connection errors', value: fivexx, unit: 'requests', baseline: { name: 'requests sent', value: sent }, note: 'goal 0' },
    ];
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(varDir, { recursive: true, force: true });
  }
}
