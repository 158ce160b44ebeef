// Feedback API: labels by inference id, idempotent, latest wins (both kept), malformed entries named, stored beside captures.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createKey } from '../../src/serving/keys';
import { localStore } from '../../src/store';
import { auth, harness, type Harness, ROW, tempVarDir } from '../serving/helpers';

interface LabelLine {
  ts: string;
  model: string;
  key_id: string;
  n: number;
  id: string;
  label: number;
}

async function labelLines(varDir: string): Promise<LabelLine[]> {
  const dir = path.join(varDir, 'labels', 'flights');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  const text = (await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')))).join('');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LabelLine)
    .sort((x, y) => (x.ts < y.ts ? -1 : x.ts > y.ts ? 1 : 0)); // file names carry a random tag per start: order by time
}

describe('model quality: feedback API', () => {
  let h: Harness;
  let url: string;
  before(async () => {
    h = await harness();
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => h.close());

  const send = async (body: unknown, route = '/v1/feedback', key = h.userKey) => {
    const res = await fetch(`${url}${route}`, { method: 'POST', headers: { ...auth(key), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('labels predictions by their ids; the same label again is a duplicate, a different one replaces it and both are kept', async () => {
    const pred = (await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW, ROW, ROW] } })).json();
    const [a, b, c] = pred.predictions.map((p: { id: string }) => p.id) as string[];

    const first = await send({
      labels: [
        { id: a, label: 1 },
        { id: b, label: 0 },
        { id: c, label: 1 },
      ],
    });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { model: 'flights', accepted: 3, duplicates: 0, relabeled: 0, malformed: [] });

    const again = await send(
      {
        labels: [
          { id: a, label: 1 },
          { id: b, label: 0 },
        ],
      },
      '/v1/models/flights/feedback',
    );
    assert.deepEqual(again.body, { model: 'flights', accepted: 0, duplicates: 2, relabeled: 0, malformed: [] });

    const changed = await send({
      labels: [
        { id: c, label: 0 },
        { id: c, label: 0 },
      ],
    });
    assert.deepEqual(changed.body, { model: 'flights', accepted: 1, duplicates: 1, relabeled: 1, malformed: [] }, 'the repeat within one call is a duplicate of the new label');

    await h.close(); // flushes
    const lines = await labelLines(h.varDir);
    assert.deepEqual(
      lines.map((l) => [l.id, l.label]),
      [
        [a, 1],
        [b, 0],
        [c, 1],
        [c, 0],
      ],
    );
    for (const l of lines) {
      assert.equal(l.model, 'flights');
      assert.equal(l.key_id, h.userKeyId);
      assert.ok(Math.abs(Date.parse(l.ts) - Date.now()) < 60_000);
    }
    const cs = lines.filter((l) => l.id === c);
    assert.ok(cs[1].ts > cs[0].ts || (cs[1].ts === cs[0].ts && cs[1].n > cs[0].n), 'the later label sorts later by (ts, n)');

    // A restarted service knows the stored labels: repeats (from the same key) stay duplicates, nothing new is written.
    const sameKey = h.userKey;
    h = await harness({ varDir: h.varDir });
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const afterRestart = await send(
      {
        labels: [
          { id: a, label: 1 },
          { id: c, label: 0 },
          { id: c, label: 1 },
        ],
      },
      '/v1/feedback',
      sameKey,
    );
    assert.deepEqual(afterRestart.body, { model: 'flights', accepted: 1, duplicates: 2, relabeled: 1, malformed: [] });
  });

  it('late labels and ids never predicted are kept (the monitor reports them unmatched)', async () => {
    const res = await send({
      labels: [
        { id: 'never-predicted-1', label: 1 },
        { id: 'never-predicted-2', label: 0 },
      ],
    });
    assert.deepEqual(res.body, { model: 'flights', accepted: 2, duplicates: 0, relabeled: 0, malformed: [] });
    await h.close();
    const lines = await labelLines(h.varDir);
    assert.equal(lines.length, 7, 'four lines of the first test, its relabel after the restart, and the two unseen ids');
    assert.deepEqual(
      lines.slice(-2).map((l) => l.id),
      ['never-predicted-1', 'never-predicted-2'],
    );
    h = await harness({ varDir: h.varDir });
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });

  it('malformed entries are named by index and reason; the valid ones in the same call are stored', async () => {
    const res = await send({
      labels: [
        { id: 'ok-1', label: 1 },
        { id: 'bad-label', label: 2 },
        { id: '', label: 0 },
        { label: 1 },
        'not an object',
        { id: 'extra', label: 0, score: 0.3 },
        { id: 'x'.repeat(301), label: 1 },
        { id: 'bool', label: true },
        { id: 'ok-2', label: 0 },
      ],
    });
    assert.equal(res.status, 200);
    const { malformed, ...counts } = res.body as { malformed: { index: number; reason: string }[] };
    assert.deepEqual(counts, { model: 'flights', accepted: 2, duplicates: 0, relabeled: 0 });
    assert.deepEqual(
      malformed.map((m) => m.index),
      [1, 2, 3, 4, 5, 6, 7],
    );
    const reasons = malformed.map((m) => m.reason);
    assert.match(reasons[0], /label: must be 0 or 1/);
    assert.match(reasons[1], /id: must not be empty/);
    assert.match(reasons[2], /id: must be a string/);
    assert.match(reasons[3], /must be an object/);
    assert.match(reasons[4], /unknown field score/);
    assert.match(reasons[5], /id: must be at most 300/);
    assert.match(reasons[6], /label: must be 0 or 1/);
  });

  it('body-level problems are 400 naming the field; unknown model 404; no key 401', async () => {
    const tooMany = { labels: Array.from({ length: 10_001 }, (_, i) => ({ id: `m-${i}`, label: i % 2 })) };
    const cases: [unknown, string][] = [
      [{}, 'labels'],
      [{ labels: [] }, 'labels'],
      [{ labels: 'x' }, 'labels'],
      [{ labels: [{ id: 'a', label: 1 }], extra: 1 }, 'extra'],
      [tooMany, 'labels'],
    ];
    for (const [body, at] of cases) {
      const res = await send(body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.ok(
        (res.body.issues as { path: string }[]).some((i) => i.path === at),
        JSON.stringify(res.body),
      );
    }
    const max = await send({ labels: tooMany.labels.slice(0, 10_000) });
    assert.equal(max.status, 200, 'exactly 10,000 is fine');
    assert.equal(max.body.accepted, 10_000);
    assert.equal((await send({ labels: [{ id: 'a', label: 1 }] }, '/v1/models/nope/feedback')).status, 404);
    const anon = await fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"labels":[{"id":"a","label":1}]}' });
    assert.equal(anon.status, 401);
  });

  it('a label whose write fails is not acknowledged (503) and its resend is taken, not called a duplicate', async () => {
    const other = await harness();
    try {
      const folder = path.join(other.varDir, 'labels', 'flights');
      // the folder was made at start; no file is open yet: the first write has to open one and cannot
      await rm(folder, { recursive: true });
      await writeFile(folder, 'not a folder');
      const body = { labels: [{ id: 'w-1', label: 1 }] };
      const failed = await other.app.inject({ method: 'POST', url: '/v1/feedback', headers: auth(other.userKey), payload: body });
      assert.equal(failed.statusCode, 503, failed.body);
      assert.match(failed.json().message, /could not be written; nothing was stored/);
      await rm(folder);
      await mkdir(folder);
      const resent = await other.app.inject({ method: 'POST', url: '/v1/feedback', headers: auth(other.userKey), payload: body });
      assert.equal(resent.statusCode, 200, resent.body);
      assert.deepEqual(resent.json(), { model: 'flights', accepted: 1, duplicates: 0, relabeled: 0, malformed: [] });
      // acknowledged means on disk already, before any flush timer or close
      const lines = (await readFile(path.join(folder, (await readdir(folder))[0]), 'utf8')).trim().split('\n');
      assert.deepEqual(
        lines.map((l) => (JSON.parse(l) as LabelLine).id),
        ['w-1'],
      );
      const metrics = (await other.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /feedback_labels_write_failed_total\{model="flights"\} 1/);
      // the duplicate index says how big and how full it is
      assert.match(metrics, /feedback_label_index_entries\{model="flights"\} 1\n/);
      assert.match(metrics, /feedback_label_index_bytes\{model="flights"\} \d+/);
      assert.match(metrics, /feedback_label_index_fullness\{model="flights"\} [0-9.e-]+\n/);
    } finally {
      await other.close();
    }
  });

  it('labels are bound to the key that sent them: another key cannot relabel or shadow them; admin labels are marked', async () => {
    const other = await harness();
    try {
      const bob = await createKey(localStore(other.varDir), 'bob', 'user');
      await other.app.serving.reloadKeys();
      const send = (key: string, label: 0 | 1) => other.app.inject({ method: 'POST', url: '/v1/feedback', headers: auth(key), payload: { labels: [{ id: 'shared-1', label }] } });
      assert.deepEqual((await send(bob.key, 1)).json(), { model: 'flights', accepted: 1, duplicates: 0, relabeled: 0, malformed: [] });
      // alice's own label for her id is new to her, whatever bob sent
      assert.deepEqual((await send(other.userKey, 1)).json(), { model: 'flights', accepted: 1, duplicates: 0, relabeled: 0, malformed: [] });
      assert.deepEqual((await send(other.userKey, 0)).json(), { model: 'flights', accepted: 1, duplicates: 0, relabeled: 1, malformed: [] });
      assert.deepEqual((await send(other.adminKey, 1)).json(), { model: 'flights', accepted: 1, duplicates: 0, relabeled: 0, malformed: [] });
      await other.close();
      const lines = (await labelLines(other.varDir)) as (LabelLine & { admin?: boolean })[];
      assert.deepEqual(
        lines.map((l) => [l.key_id, l.label, l.admin ?? false]),
        [
          [bob.info.id, 1, false],
          [other.userKeyId, 1, false],
          [other.userKeyId, 0, false],
          [lines[3].key_id, 1, true],
        ],
      );
    } finally {
      await other.close();
    }
  });

  it('an unusable labels folder answers 503 (nothing stored, retry is safe) and recovers once it is fixed', async () => {
    const root = await tempVarDir();
    const labels = path.join(root, 'labels');
    await writeFile(labels, 'not a folder'); // where the labels folder must go: mkdir fails
    const broken = await harness({ config: { CAPTURE_DIR: path.join(root, 'capture') } });
    try {
      const body = { labels: [{ id: 'x-1', label: 1 }] };
      const first = await broken.app.inject({ method: 'POST', url: '/v1/feedback', headers: auth(broken.userKey), payload: body });
      assert.equal(first.statusCode, 503, first.body);
      assert.match(first.json().message, /labels folder is not writable/);
      await rm(labels);
      await mkdir(labels);
      const second = await broken.app.inject({ method: 'POST', url: '/v1/feedback', headers: auth(broken.userKey), payload: body });
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(second.json().accepted, 1);
    } finally {
      await broken.close();
    }
    // CAPTURE_DIR makes <root>/labels a spool: on close the uploader shipped the file into the store (labels/flights/) and removed it
    assert.deepEqual(await readdir(path.join(labels, 'flights')), []);
    const shipped = path.join(broken.varDir, 'labels', 'flights');
    const stored = (await readFile(path.join(shipped, (await readdir(shipped))[0]), 'utf8')).trim().split('\n');
    assert.equal(stored.length, 1);
  });
});
