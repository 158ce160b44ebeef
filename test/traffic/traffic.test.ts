// The traffic command: which flights rows it replays, how it batches, authenticates, retries and reports, against a real HTTP server.
import * as assert from 'node:assert/strict';
import { Command } from 'commander';
import Fastify, { type FastifyInstance } from 'fastify';
import { DuckDb } from '../../src/data/duckdb';
import { registerTrafficCommand } from '../../src/cli/traffic';
import { flightRowsSql, parseShift, readFlightRows } from '../../src/traffic/flights';
import { replay, TrafficError } from '../../src/traffic/replay';
import { parquet } from '../drift/monitor-helpers';

const FEATURES = ['hour', 'day_of_week', 'distance', 'origin', 'destination'].map((name) => ({ name, type: name === 'origin' || name === 'destination' ? 'categorical' : 'numeric' }));

interface Seen {
  auth: string | undefined;
  rows: Record<string, unknown>[];
}

/** A stand-in API: the real routes' shapes, the first predict call answers 429 once. */
async function fakeApi(): Promise<{ app: FastifyInstance; url: string; seen: Seen[]; throttled: number }> {
  const app = Fastify();
  const state = { seen: [] as Seen[], throttled: 0 };
  app.get('/v1/models/current', async (req, reply) => {
    if (req.headers.authorization !== 'Bearer good-key') return reply.code(401).send({ error: 'Unauthorized', message: 'invalid or revoked API key' });
    return { name: 'flights', version: 7, features: FEATURES };
  });
  app.post('/v1/predict', async (req, reply) => {
    if (state.throttled === 0) {
      state.throttled++;
      return reply.code(429).header('retry-after', '1').send({ error: 'Too Many Requests', message: 'slow down' });
    }
    const body = req.body as { instances: Record<string, unknown>[] };
    state.seen.push({ auth: req.headers.authorization, rows: body.instances });
    return { model: { name: 'flights', version: 7 }, predictions: body.instances.map(() => ({ label: 0, probability: 0.1 })) };
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url,
    get seen() {
      return state.seen;
    },
    get throttled() {
      return state.throttled;
    },
  };
}

describe('traffic', function () {
  this.timeout(120_000);

  it('picks rows of the asked months, repeatably, with the asked shift', async () => {
    const db = await DuckDb.open({ threads: 2 });
    try {
      const months = async (from: 'training' | 'later') => (await db.rows(`SELECT DISTINCT month FROM (${flightRowsSql({ parquet, from, rows: 5000, seed: 2 })}) ORDER BY 1`)).map((r) => r.month);
      assert.deepEqual(await months('training'), [1, 2, 3, 4]);
      assert.deepEqual(await months('later'), [5, 6]);
      const a = await readFlightRows({ parquet, from: 'later', rows: 50, seed: 9 }, db);
      const b = await readFlightRows({ parquet, from: 'later', rows: 50, seed: 9, shifts: [parseShift('distance=+250'), parseShift('hour=-1')] }, db);
      assert.deepEqual(await readFlightRows({ parquet, from: 'later', rows: 50, seed: 9 }, db), a, 'same seed, same rows');
      assert.notDeepEqual(await readFlightRows({ parquet, from: 'later', rows: 50, seed: 10 }, db), a);
      a.forEach((r, i) => {
        assert.equal(b[i].distance, r.distance + 250);
        assert.equal(b[i].hour, r.hour - 1);
        assert.equal(b[i].origin, r.origin);
      });
    } finally {
      db.close();
    }
    assert.throws(() => parseShift('origin=+3'), /not a numeric flights feature/);
    assert.throws(() => parseShift('distance+3'), /feature=delta/);
  });

  it('replays in batches with the key, waits out a 429, and counts every row', async () => {
    const api = await fakeApi();
    try {
      const rows = await readFlightRows({ parquet, from: 'training', rows: 230, seed: 1 });
      const progress: number[] = [];
      const r = await replay({ url: api.url, key: 'good-key', rows, batch: 100, rate: 0, concurrency: 2, onProgress: (p) => progress.push(p.sent) });
      assert.equal(r.okRows, 230);
      assert.equal(r.failedRows, 0);
      assert.equal(api.throttled, 1);
      assert.deepEqual(r.statuses, { '200': 3 });
      assert.deepEqual(
        api.seen.map((s) => s.rows.length).sort((x, y) => x - y),
        [30, 100, 100],
      );
      assert.ok(api.seen.every((s) => s.auth === 'Bearer good-key'));
      assert.deepEqual(Object.keys(api.seen[0].rows[0]).sort(), ['day_of_week', 'destination', 'distance', 'hour', 'origin']);
      assert.equal(progress.at(-1), 230);
      await assert.rejects(replay({ url: api.url, key: 'bad-key', rows, batch: 100, rate: 0 }), (err: unknown) => err instanceof TrafficError && /refused the key/.test(err.message));
    } finally {
      await api.app.close();
    }
  });

  it('the CLI command sends later-month rows shifted as asked and exits 0', async () => {
    const api = await fakeApi();
    const before = process.exitCode;
    try {
      const program = new Command().exitOverride();
      registerTrafficCommand(program);
      const out = process.stdout.write.bind(process.stdout);
      let printed = '';
      process.stdout.write = (chunk: string) => ((printed += chunk), true);
      try {
        await program.parseAsync(
          ['traffic', '--url', api.url, '--key', 'good-key', '--from', 'later', '--rows', '120', '--batch', '50', '--rate', '0', '--shift', 'distance=+100', '--seed', '9', '--no-progress'],
          { from: 'user' },
        );
      } finally {
        process.stdout.write = out;
      }
      assert.equal(process.exitCode ?? 0, 0, printed);
      assert.match(printed, /replaying 120 later-period flights rows, shifted distance \+100/);
      assert.match(printed, /120 of 120 rows scored by flights v7/);
      const sent = api.seen.flatMap((s) => s.rows);
      const expected = await readFlightRows({ parquet, from: 'later', rows: 120, seed: 9, shifts: [{ feature: 'distance', delta: 100 }] });
      assert.deepEqual(sent.map((r) => r.distance).sort(), expected.map((r) => r.distance).sort());
    } finally {
      process.exitCode = before;
      await api.app.close();
    }
  });
});
