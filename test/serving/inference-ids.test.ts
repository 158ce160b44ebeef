// Inference ids: every scored row gets one (the client's or the service's), in the response and in the capture record.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { auth, harness, type Harness, ROW } from '../serving/helpers';

async function captured(varDir: string): Promise<Record<string, unknown>[]> {
  const dir = path.join(varDir, 'capture', 'flights');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  const text = (await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')))).join('');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const tensors = (n: number) => [
  { name: 'distance', datatype: 'FP32', shape: [n, 1], data: Array.from({ length: n }, (_, i) => 100 + i) },
  { name: 'dep_hour', datatype: 'FP32', shape: [n, 1], data: Array.from({ length: n }, () => 5) },
  { name: 'carrier', datatype: 'BYTES', shape: [n, 1], data: Array.from({ length: n }, () => 'UA') },
  { name: 'origin', datatype: 'BYTES', shape: [n, 1], data: Array.from({ length: n }, () => 'DEN') },
];

describe('model quality: inference ids', () => {
  let h: Harness;
  let url: string;
  before(async () => {
    h = await harness();
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => h.close());

  it('/v1/predict over real HTTP: service ids are <request id>.<row>, unique across requests, and land in the capture', async () => {
    const post = async () =>
      (
        await fetch(`${url}/v1/predict`, { method: 'POST', headers: { ...auth(h.userKey), 'content-type': 'application/json' }, body: JSON.stringify({ instances: [ROW, ROW, ROW] }) })
      ).json() as Promise<{
        predictions: { id: string; probability: number }[];
      }>;
    const [a, b] = [await post(), await post()];
    const ids = [...a.predictions, ...b.predictions].map((p) => p.id);
    assert.equal(new Set(ids).size, 6, `ids must be unique: ${ids.join(', ')}`);
    const prefix = a.predictions[0].id.replace(/\.0$/, '');
    assert.deepEqual(
      a.predictions.map((p) => p.id),
      [`${prefix}.0`, `${prefix}.1`, `${prefix}.2`],
    );

    await h.app.serving.capture.flush();
    const lines = await captured(h.varDir);
    const byId = new Map(lines.map((l) => [l.id, l]));
    for (const p of [...a.predictions, ...b.predictions]) {
      const line = byId.get(p.id);
      assert.ok(line, `capture holds ${p.id}`);
      assert.equal(line.probability, p.probability);
      assert.equal(line.request_id, p.id.slice(0, p.id.lastIndexOf('.')));
    }
  });

  it("a client's own ids are returned and captured as sent", async () => {
    const ids = ['order-1', 'order 2 (with spaces)', 'ü-3'];
    const res = await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW, ROW, ROW], ids } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json().predictions.map((p: { id: string }) => p.id),
      ids,
    );
    await h.app.serving.capture.flush();
    const lines = await captured(h.varDir);
    for (const id of ids) assert.equal(lines.filter((l) => l.id === id).length, 1, id);
  });

  it('/v1/models/{name}/predict returns and captures ids the same way', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/models/flights/predict', headers: auth(h.userKey), payload: { instances: [ROW, ROW], ids: ['named-1', 'named-2'] } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json().predictions.map((p: { id: string }) => p.id),
      ['named-1', 'named-2'],
    );
    const generated = await h.app.inject({ method: 'POST', url: '/v1/models/flights/predict', headers: auth(h.userKey), payload: { instances: [ROW] } });
    assert.match(generated.json().predictions[0].id, /^[0-9a-f]{8}-[0-9a-z]+\.0$/);
    await h.app.serving.capture.flush();
    const ids = new Set((await captured(h.varDir)).map((l) => l.id));
    for (const id of ['named-1', 'named-2', generated.json().predictions[0].id]) assert.ok(ids.has(id), id);
  });

  it('a duplicate id within a request, a count mismatch, an empty or too long id: 400 naming the field, nothing captured', async () => {
    const before = (await captured(h.varDir)).length;
    const cases: [unknown, string, RegExp][] = [
      [['x', 'y', 'x'], 'ids.2', /duplicate of ids\.0/],
      [['x', 'y'], 'ids', /2 ids for 3 instances/],
      [['x', '', 'z'], 'ids.1', /empty/],
      [['x', 'y', 'z'.repeat(301)], 'ids.2', /at most 300/],
      [['x', 'y', 'a\nb'], 'ids.2', /control characters/],
      [['x', 'y', 3], 'ids.2', /string/],
    ];
    for (const [ids, at, message] of cases) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW, ROW, ROW], ids } });
      assert.equal(res.statusCode, 400, JSON.stringify(ids));
      const issue = (res.json().issues as { path: string; message: string }[]).find((i) => i.path === at);
      assert.ok(issue, `an issue at ${at}: ${res.body}`);
      assert.match(issue.message, message);
    }
    await h.app.serving.capture.flush();
    assert.equal((await captured(h.varDir)).length, before);
  });

  it("OIP infer: the response carries the request id (the client's, else the service's); row r is captured as <id>.<r>", async () => {
    const withId = await h.app.inject({ method: 'POST', url: '/v2/models/flights/infer', headers: auth(h.userKey), payload: { id: 'batch-7', inputs: tensors(2) } });
    assert.equal(withId.json().id, 'batch-7');
    const without = await h.app.inject({ method: 'POST', url: '/v2/models/flights/infer', headers: auth(h.userKey), payload: { inputs: tensors(2) } });
    const generated = without.json().id as string;
    assert.match(generated, /^[0-9a-f]{8}-[0-9a-z]+$/);
    await h.app.serving.capture.flush();
    const ids = new Set((await captured(h.varDir)).filter((l) => l.api === 'v2').map((l) => l.id));
    for (const id of ['batch-7.0', 'batch-7.1', `${generated}.0`, `${generated}.1`]) assert.ok(ids.has(id), id);
  });
});
