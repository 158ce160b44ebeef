// Data bench on the full 3M-row flights file: plain scan vs ingest, quality suite, profile and frame load, same run.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDb, quoteString } from '../src/data/duckdb';
import { ingestSnapshot } from '../src/data/ingest';
import { loadSplitFrames } from '../src/data/load-frame';
import { profileSnapshot } from '../src/profile';
import { runQualitySuite } from '../src/quality';
import { loadSpec, parseSpec } from '../src/spec/dataset';
import type { Expectation } from '../src/spec/expectations';
import { type Figure } from './figure';

const ROOT = path.resolve(__dirname, '..', '..');

/** Wall time and process CPU time (all threads, DuckDB's included): on a shared machine CPU time is the steadier figure. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; result: T }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = await fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, result };
}

/** The run with the median wall time of `n` (times swing on a shared machine; the median of 3 is steadier than one). */
async function median<T>(n: number, fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; result: T }> {
  const runs: { ms: number; cpuMs: number; result: T }[] = [];
  for (let i = 0; i < n; i++) runs.push(await timed(fn));
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor((n - 1) / 2)];
}

/** One plain aggregate scan touching every column the suite reads, as the baseline for single-scan work. */
async function plainScan(relation: string): Promise<{ ms: number; cpuMs: number }> {
  const db = await DuckDb.open();
  try {
    const { ms, cpuMs } = await timed(() => db.one(`SELECT count(*) AS n, sum(distance) AS d, avg(delay) AS m, count(origin) AS o, count(destination) AS t, max(date) AS x FROM (${relation})`));
    return { ms, cpuMs };
  } finally {
    db.close();
  }
}

// Rules the 3M rows break (many failing rows each), to time the second pass that fetches failing rows.
const FAILING: Expectation[] = [
  { type: 'between', column: 'hour', min: 5, max: 20, mostly: 1 },
  { type: 'matches_regex', column: 'origin', regex: '^[A-M]', mostly: 1 },
  { type: 'in_set', column: 'destination', values: ['ATL', 'ORD', 'DFW'], mostly: 1 },
];

export async function benchData(log: (line: string) => void = () => undefined): Promise<Figure[]> {
  const { spec: shipped, file } = await loadSpec('datasets/flights.json', ROOT);
  // All 3M rows (Jan-Jul): the shipped spec without its month filter.
  const spec = parseSpec({ ...shipped, name: 'flights-bench', source: { ...shipped.source, where: undefined } });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlp-bench-data-'));
  try {
    const parquet = path.join(ROOT, 'node_modules', 'vega-datasets', 'data', 'flights-3m.parquet');
    await plainScan(`SELECT * FROM read_parquet(${quoteString(parquet)})`); // warm the page cache
    const rawScan = await plainScan(`SELECT * FROM read_parquet(${quoteString(parquet)})`);
    log(`raw scan ${rawScan.ms.toFixed(0)} ms (cpu ${rawScan.cpuMs.toFixed(0)} ms)`);
    const ingest = await timed(() => ingestSnapshot({ spec, specFile: file, outDir: dir, runKey: 'bench' }));
    const m = ingest.result;
    log(`ingest ${m.rows} rows ${ingest.ms.toFixed(0)} ms (cpu ${ingest.cpuMs.toFixed(0)} ms)`);
    const snapScan = await median(3, () => plainScan(`SELECT * FROM read_parquet(${quoteString(m.path)})`));
    log(`snapshot scan ${snapScan.ms.toFixed(0)} ms (cpu ${snapScan.cpuMs.toFixed(0)} ms), median of 3`);
    const suite = await median(3, () => runQualitySuite({ parquetFile: m.path }, spec.expectations));
    log(`suite ${suite.ms.toFixed(0)} ms (cpu ${suite.cpuMs.toFixed(0)} ms), ${suite.result.passes} pass(es), success ${suite.result.success}, median of 3`);
    const failing = await median(3, () => runQualitySuite({ parquetFile: m.path }, [...spec.expectations, ...FAILING]));
    const failed = failing.result.results.filter((r) => !r.success).length;
    log(`failing suite ${failing.ms.toFixed(0)} ms (cpu ${failing.cpuMs.toFixed(0)} ms), ${failing.result.passes} pass(es), ${failed} failed, median of 3`);
    const profile = await median(3, () => profileSnapshot(m.path, spec.features));
    log(`profile ${profile.ms.toFixed(0)} ms (cpu ${profile.cpuMs.toFixed(0)} ms), ${profile.result.passes} pass(es), median of 3`);
    const frames = await timed(() => loadSplitFrames(m.path, spec));
    log(`load + split ${frames.ms.toFixed(0)} ms (cpu ${frames.cpuMs.toFixed(0)} ms)`);
    const scanBase = { name: 'plain scan of the snapshot', value: snapScan.ms };
    const cpu = (name: string, t: { cpuMs: number }, base: { cpuMs: number }, baseName: string): Figure => ({
      name: `${name}.cpu`,
      value: t.cpuMs,
      unit: 'ms cpu',
      baseline: { name: baseName, value: base.cpuMs },
    });
    return [
      { name: 'data.scan.raw3m', value: rawScan.ms, unit: 'ms', note: '3M rows, count/sum/avg over the source parquet' },
      { name: 'data.ingest.3m', value: ingest.ms, unit: 'ms', baseline: { name: 'plain scan of the source', value: rawScan.ms }, note: `${m.rows} rows snapshot incl. __row, label, zstd` },
      cpu('data.ingest.3m', ingest, rawScan, 'plain scan of the source'),
      { name: 'data.scan.snapshot', value: snapScan.ms, unit: 'ms' },
      {
        name: 'data.quality.suite',
        value: suite.ms,
        unit: 'ms',
        baseline: scanBase,
        note: `${spec.expectations.length} expectations, ${suite.result.passes} scan(s)`,
      },
      cpu('data.quality.suite', suite, snapScan, 'plain scan of the snapshot'),
      {
        name: 'data.quality.suite.vsScanPerExpectation',
        value: suite.ms,
        unit: 'ms',
        baseline: { name: `plain scan x ${spec.expectations.length} expectations`, value: snapScan.ms * spec.expectations.length },
        note: 'what one scan per expectation would cost; medians of 3',
      },
      {
        name: 'data.quality.suite.vsScanPerExpectation.cpu',
        value: suite.cpuMs,
        unit: 'ms cpu',
        baseline: { name: `plain scan cpu x ${spec.expectations.length} expectations`, value: snapScan.cpuMs * spec.expectations.length },
        note: 'the same in CPU time, steadier on a shared machine',
      },
      { name: 'data.quality.passes', value: suite.result.passes, unit: 'scans' },
      {
        name: 'data.quality.suite.failing',
        value: failing.ms,
        unit: 'ms',
        baseline: scanBase,
        note: `${spec.expectations.length + FAILING.length} expectations, ${failed} failed with millions of failing rows, ${failing.result.passes} passes`,
      },
      cpu('data.quality.suite.failing', failing, snapScan, 'plain scan of the snapshot'),
      { name: 'data.profile', value: profile.ms, unit: 'ms', baseline: scanBase, note: `${spec.features.length} features, ${profile.result.passes} scan(s)` },
      cpu('data.profile', profile, snapScan, 'plain scan of the snapshot'),
      { name: 'data.profile.passes', value: profile.result.passes, unit: 'scans' },
      { name: 'data.loadSplitFrames', value: frames.ms, unit: 'ms', baseline: scanBase, note: 'snapshot to typed-array Frames, time split' },
      cpu('data.loadSplitFrames', frames, snapScan, 'plain scan of the snapshot'),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchData((l) => console.log(l))
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
