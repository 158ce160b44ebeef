// `traffic`: replays real flights rows against POST /v1/predict, from the training months or later ones, optionally shifted.
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { z } from 'zod';
import { parseEnv, type Env } from '../config/env';
import { devKeyPath } from '../serving/keys';
import { delayedLabel, flightsParquetPath, parseShift, readFlightRows, TrafficSource, type Shift } from '../traffic/flights';
import { sendLabels } from '../traffic/labels';
import { replay, TrafficError } from '../traffic/replay';

export const TrafficOptions = z.object({
  from: TrafficSource,
  rows: z.coerce.number().int('--rows must be a whole number').min(1, '--rows must be at least 1').max(1_000_000, '--rows is at most 1000000'),
  rate: z.coerce.number().min(0, '--rate must be 0 (as fast as possible) or more'),
  batch: z.coerce.number().int('--batch must be a whole number').min(1).max(10_000),
  concurrency: z.coerce.number().int().min(1).max(64),
  seed: z.coerce.number().int(),
  shift: z.array(z.string()).default([]),
  url: z.url('--url must be a URL').optional(),
  key: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
  progress: z.boolean(),
  month: z.coerce.number().int('--month must be a whole number').min(1, '--month is 1-12').max(12, '--month is 1-12').optional(),
  labels: z.boolean().default(false),
  labelDelay: z.coerce.number().min(0, '--label-delay must be 0 or more').max(86_400).default(5),
});
export type TrafficOptions = z.infer<typeof TrafficOptions>;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds `traffic` to the project CLI; `env` as the other commands take it (default: parse process.env). */
export function registerTrafficCommand(program: Command, env: () => Env = () => parseEnv(process.env), format: () => 'text' | 'json' = () => 'text'): Command {
  return program
    .command('traffic')
    .description('Replay real flights rows against the prediction API (POST /v1/predict) to watch drift monitoring work')
    .addOption(new Option('--from <source>', 'training: Jan-Apr rows (no drift expected); later: May-Jun rows').choices(['training', 'later']).default('training'))
    .option('--rows <n>', 'rows to send', '2000')
    .option('--rate <r>', 'rows per second (0 = as fast as possible)', '200')
    .option('--batch <b>', 'rows per request', '50')
    .option('--shift <feature=delta>', 'add delta to a numeric feature, e.g. distance=+500 (repeatable)', collect, [])
    .option('--seed <n>', 'which rows: the same seed replays the same rows', '1')
    .option('--concurrency <n>', 'requests in flight at most', '4')
    .option('--url <url>', 'API base URL (default http://API_HOST:API_PORT)')
    .option('--key <key>', 'API key (default: the key in <VAR_DIR>/dev-api-key)')
    .option('--data <parquet>', 'flights parquet file (default: vega-datasets flights-3m.parquet)')
    .option('--month <m>', 'only flights of this calendar month (1-6 in the shipped data), e.g. 4 for April')
    .option('--labels', "after the replay, send each scored row's true label (delay > 15) to the feedback API")
    .option('--label-delay <seconds>', 'wait this long before sending labels (ground truth arrives later)', '5')
    .option('--no-progress', 'no progress bar')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = TrafficOptions.safeParse(raw);
      if (!parsed.success) {
        process.stderr.write(`traffic: ${parsed.error.issues.map((i) => i.message).join('; ')}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        process.exitCode = await runTraffic(parsed.data, env(), format());
      } catch (err) {
        if (err instanceof TrafficError || err instanceof RangeError) {
          process.stderr.write(`traffic: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
    });
}

async function readKey(varDir: string): Promise<string> {
  const file = devKeyPath(varDir);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new TrafficError(`no --key given and ${file} is not readable; start the API once (make up) or pass --key`);
  }
}

/** Runs the command; returns the exit code (0 when every row was scored). */
export async function runTraffic(o: TrafficOptions, env: Env, format: 'text' | 'json' = 'text'): Promise<number> {
  // with -o json the log lines go to stderr and stdout gets one JSON summary
  const log = (line: string) => (format === 'json' ? process.stderr : process.stdout).write(line);
  const summary: Record<string, unknown> = {};
  const shifts: Shift[] = o.shift.map(parseShift);
  const url = o.url ?? `http://${env.API_HOST}:${env.API_PORT}`;
  const key = o.key ?? (await readKey(env.VAR_DIR));
  const rows = await readFlightRows({
    parquet: o.data ?? flightsParquetPath(env.PROJECT_ROOT),
    from: o.from,
    rows: o.rows,
    seed: o.seed,
    shifts,
    ...(o.month ? { months: [o.month, o.month] as const } : {}),
  });
  const shifted = shifts.length ? `, shifted ${shifts.map((s) => `${s.feature} ${s.delta >= 0 ? '+' : ''}${s.delta}`).join(', ')}` : '';
  log(`replaying ${rows.length} ${o.from}-period flights rows${shifted} to ${url} (${o.rate > 0 ? `${o.rate} rows/s` : 'unpaced'}, ${o.batch} per request)\n`);
  const bar = o.progress
    ? new SingleBar({ format: '{bar} {percentage}% | {value}/{total} rows | ok {ok} | failed {failed} | {eta_formatted} left', hideCursor: true }, Presets.shades_classic)
    : undefined;
  bar?.start(rows.length, 0, { ok: 0, failed: 0 });
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    const r = await replay({
      url,
      key,
      rows,
      batch: o.batch,
      rate: o.rate,
      concurrency: o.concurrency,
      signal: stop.signal,
      collectIds: o.labels,
      onProgress: (p) => bar?.update(p.sent, { ok: p.ok, failed: p.failed }),
    });
    bar?.stop();
    Object.assign(summary, { model: r.model, rows: rows.length, okRows: r.okRows, failedRows: r.failedRows, seconds: r.seconds, statuses: r.statuses, errors: r.errors });
    log(
      `${r.okRows} of ${rows.length} rows scored by ${r.model.name} v${r.model.version} in ${r.seconds.toFixed(1)} s (${(r.rows / Math.max(r.seconds, 1e-3)).toFixed(0)} rows/s); ` +
        `statuses ${JSON.stringify(r.statuses)}\n`,
    );
    for (const e of r.errors) log(`  error: ${e}\n`);
    if (o.labels && !stop.signal.aborted) {
      const labels: { id: string; label: 0 | 1 }[] = [];
      r.ids?.forEach((id, i) => {
        const label = delayedLabel(rows[i]);
        if (id !== undefined && label !== undefined) labels.push({ id, label });
      });
      log(`sending ${labels.length} true labels (delay > 15 min) in ${o.labelDelay} s\n`);
      await new Promise((res) => setTimeout(res, o.labelDelay * 1000));
      const sent = await sendLabels({ url, key, model: r.model.name, labels, signal: stop.signal });
      const positives = labels.reduce((a, l) => a + l.label, 0);
      summary.labels = { accepted: sent.accepted, duplicates: sent.duplicates, malformed: sent.malformed };
      log(
        `labels: ${sent.accepted} accepted, ${sent.duplicates} duplicates, ${sent.malformed} malformed in ${sent.calls} call(s); ${((100 * positives) / Math.max(1, labels.length)).toFixed(1)}% delayed\n`,
      );
    }
    if (format === 'json') process.stdout.write(`${JSON.stringify(summary)}\n`);
    return r.failedRows === 0 && !stop.signal.aborted ? 0 : 1;
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
  }
}
