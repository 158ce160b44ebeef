// Capture: record content and layout (DuckDB reads the folder with a glob), share, rotation, bounded buffer.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { auth, harness, ROW } from './helpers';

async function captureLines(varDir: string): Promise<Record<string, unknown>[]> {
  const dir = path.join(varDir, 'capture', 'flights');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  const text = (await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')))).join('');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('serving: capture', () => {
  it('records features, prediction, model version, time and key id per row, readable by DuckDB with a glob', async () => {
    const h = await harness();
    try {
      const rows = [ROW, { distance: null, dep_hour: 4, carrier: null, origin: 'SEA' }];
      const res = await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: rows } });
      const preds = res.json().predictions;
      await h.app.inject({
        method: 'POST',
        url: '/v2/models/flights/infer',
        headers: auth(h.userKey),
        payload: {
          inputs: [
            { name: 'distance', datatype: 'FP32', shape: [1], data: [100] },
            { name: 'dep_hour', datatype: 'FP32', shape: [1], data: [5] },
            { name: 'carrier', datatype: 'BYTES', shape: [1], data: ['UA'] },
            { name: 'origin', datatype: 'BYTES', shape: [1], data: ['DEN'] },
          ],
        },
      });
      await h.app.serving.capture.flush();
      const files = await readdir(path.join(h.varDir, 'capture', 'flights'));
      assert.equal(files.length, 1);
      assert.match(files[0], /^\d{8}T\d{2}-[a-f0-9]{6}-000001\.jsonl$/);
      const lines = await captureLines(h.varDir);
      assert.equal(lines.length, 3);
      const [a, b, c] = lines;
      assert.deepEqual(Object.keys(a), ['ts', 'model', 'version', 'api', 'request_id', 'key_id', 'row', 'id', 'probability', 'label', 'features']);
      assert.equal(a.model, 'flights');
      assert.equal(a.version, 1);
      assert.equal(a.api, 'v1');
      assert.equal(a.key_id, h.userKeyId);
      assert.equal(a.request_id, b.request_id);
      assert.deepEqual([a.row, b.row], [0, 1]);
      assert.deepEqual(a.features, ROW);
      assert.deepEqual(b.features, rows[1]);
      assert.equal(a.id, preds[0].id);
      assert.equal(b.id, preds[1].id);
      assert.equal(a.probability, preds[0].probability);
      assert.equal(a.label, preds[0].label);
      assert.ok(Math.abs(Date.parse(String(a.ts)) - Date.now()) < 60_000);
      assert.equal(c.api, 'v2');
      assert.deepEqual(c.features, { distance: 100, dep_hour: 5, carrier: 'UA', origin: 'DEN' });

      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const glob = path.join(h.varDir, 'capture', 'flights', '*.jsonl');
      const reader = await conn.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, count(features.distance)::INTEGER AS with_distance, max(version)::INTEGER AS v, list(DISTINCT features.origin ORDER BY features.origin) AS origins FROM read_json_auto('${glob}')`,
      );
      const [row] = reader.getRowObjectsJS();
      assert.deepEqual({ ...row, origins: [...(row.origins as string[])] }, { n: 3, with_distance: 2, v: 1, origins: ['DEN', 'ORD', 'SEA'] });
      conn.closeSync();
    } finally {
      await h.close();
    }
  });

  it('records no request at share 0 and about half at share 50', async () => {
    for (const [share, lo, hi] of [
      [0, 0, 0],
      [50, 60, 140],
    ] as const) {
      const h = await harness({ config: { CAPTURE_SHARE: share } });
      try {
        for (let i = 0; i < 200; i++) await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } });
        await h.app.serving.capture.flush();
        const n = (await captureLines(h.varDir)).length;
        assert.ok(n >= lo && n <= hi, `share ${share}: ${n} of 200 captured`);
      } finally {
        await h.close();
      }
    }
  });

  it('starts a new sequence file past CAPTURE_MAX_FILE_BYTES; no line is split', async () => {
    const h = await harness({ config: { CAPTURE_MAX_FILE_BYTES: 2048, CAPTURE_FLUSH_MS: 10_000 } });
    try {
      for (let i = 0; i < 12; i++) {
        await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW, ROW, ROW] } });
        await h.app.serving.capture.flush();
      }
      const files = (await readdir(path.join(h.varDir, 'capture', 'flights'))).sort();
      assert.ok(files.length >= 3, `${files.length} files`);
      assert.deepEqual(
        files.map((f) => f.slice(-12)),
        files.map((_, i) => `${String(i + 1).padStart(6, '0')}.jsonl`),
      );
      assert.equal((await captureLines(h.varDir)).length, 36);
    } finally {
      await h.close();
    }
  });

  it('drops (and counts) records when the buffer is full, and never fails the request', async () => {
    const h = await harness({ config: { CAPTURE_BUFFER_RECORDS: 5, CAPTURE_FLUSH_MS: 60_000 } });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW, ROW] } });
        assert.equal(res.statusCode, 200);
      }
      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /capture_records_dropped_total\{model="flights",reason="buffer_full"\} 4/);
      assert.match(metrics, /capture_buffer_records\{model="flights"\} 4/);
      await h.app.serving.capture.flush();
      assert.equal((await captureLines(h.varDir)).length, 4);
      assert.match((await h.app.inject({ method: 'GET', url: '/metrics' })).body, /capture_records_written_total\{model="flights"\} 4/);
    } finally {
      await h.close();
    }
  });
});
