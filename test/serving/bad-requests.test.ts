// Every kind of bad request gets its exact status and the one error shape, naming each bad field; none crashes.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { auth, harness, ROW, type Harness } from './helpers';

interface ErrorJson {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** Asserts the status and the shape {error, message, issues?} with nothing else, and no stack trace. */
function assertError(res: LightMyRequestResponse, status: number, error: string): ErrorJson {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json<ErrorJson>();
  assert.equal(body.error, error);
  assert.equal(typeof body.message, 'string');
  for (const k of Object.keys(body)) assert.ok(['error', 'message', 'issues'].includes(k), `unexpected field ${k}`);
  assert.doesNotMatch(res.body, /\bat .*\.js:\d+/, 'no stack trace');
  return body;
}

describe('serving: bad requests', () => {
  let h: Harness;
  before(async () => {
    h = await harness({ config: { SERVING_MAX_ROWS: 5, SERVING_BODY_LIMIT_BYTES: 4096 } });
  });
  after(async () => h.close());

  const predict = (payload: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/v1/predict', headers: { ...auth(h.userKey), ...headers }, payload: payload as string });

  it('400 names a missing field', async () => {
    const { origin: _o, ...row } = ROW;
    const body = assertError(await predict({ instances: [row] }), 400, 'Bad Request');
    assert.deepEqual(body.issues, [{ path: 'instances.0.origin', message: 'required (use null for a missing value)' }]);
  });

  it('400 names each unknown field', async () => {
    const body = assertError(await predict({ instances: [ROW, { ...ROW, tail_number: 'N123', Distance: 3 }] }), 400, 'Bad Request');
    assert.deepEqual(body.issues, [
      { path: 'instances.1.tail_number', message: 'unknown field' },
      { path: 'instances.1.Distance', message: 'unknown field' },
    ]);
  });

  it('400 on wrong types, naming every bad field at once', async () => {
    const body = assertError(
      await predict({
        instances: [
          { ...ROW, distance: '800', carrier: 5 },
          { ...ROW, dep_hour: true },
        ],
      }),
      400,
      'Bad Request',
    );
    assert.deepEqual(body.issues, [
      { path: 'instances.0.distance', message: 'must be a finite number or null' },
      { path: 'instances.0.carrier', message: 'must be a string or null' },
      { path: 'instances.1.dep_hour', message: 'must be a finite number or null' },
    ]);
  });

  it('400 on a non-finite number (JSON 1e999 parses to Infinity)', async () => {
    const raw = `{"instances":[{"distance":1e999,"dep_hour":1,"carrier":"AA","origin":"ORD"}]}`;
    const body = assertError(await predict(raw, { 'content-type': 'application/json' }), 400, 'Bad Request');
    assert.deepEqual(body.issues, [{ path: 'instances.0.distance', message: 'must be a finite number or null' }]);
  });

  it('400 on too many rows and on none', async () => {
    const many = assertError(await predict({ instances: Array.from({ length: 6 }, () => ROW) }), 400, 'Bad Request');
    assert.deepEqual(many.issues, [{ path: 'instances', message: 'must hold at most 5 rows' }]);
    const none = assertError(await predict({ instances: [] }), 400, 'Bad Request');
    assert.deepEqual(none.issues, [{ path: 'instances', message: 'must hold at least one row' }]);
  });

  it('400 when the body is not the expected object', async () => {
    assert.deepEqual(assertError(await predict({}), 400, 'Bad Request').issues, [{ path: 'instances', message: 'required' }]);
    assert.deepEqual(assertError(await predict([ROW]), 400, 'Bad Request').issues, [{ path: '(body)', message: 'body must be a JSON object {"instances": [...]}' }]);
    assert.deepEqual(assertError(await predict({ instances: ROW }), 400, 'Bad Request').issues, [{ path: 'instances', message: 'must be an array of rows' }]);
    assert.deepEqual(assertError(await predict({ instances: [7] }), 400, 'Bad Request').issues, [{ path: 'instances.0', message: 'must be an object of feature values' }]);
    assert.deepEqual(assertError(await predict({ instances: [ROW], extra: 1 }), 400, 'Bad Request').issues, [{ path: 'extra', message: 'unknown field' }]);
  });

  it('400 on malformed JSON and on an empty body', async () => {
    const bad = assertError(await predict('{"instances": [', { 'content-type': 'application/json' }), 400, 'Bad Request');
    assert.match(bad.message, /not valid JSON/);
    const empty = assertError(await predict('', { 'content-type': 'application/json' }), 400, 'Bad Request');
    assert.match(empty.message, /empty/);
  });

  it('400 on prototype-poisoning JSON', async () => {
    const res = await predict('{"instances":[{"__proto__":{"x":1}}]}', { 'content-type': 'application/json' });
    assertError(res, 400, 'Bad Request');
  });

  it('413 on an oversized body', async () => {
    const big = JSON.stringify({ instances: [{ ...ROW, origin: 'x'.repeat(5000) }] });
    const body = assertError(await predict(big, { 'content-type': 'application/json' }), 413, 'Payload Too Large');
    assert.match(body.message, /larger than the limit/);
  });

  it('415 on a wrong content type', async () => {
    const res = await predict(JSON.stringify({ instances: [ROW] }), { 'content-type': 'text/plain' });
    assertError(res, 415, 'Unsupported Media Type');
    const form = await predict('a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assertError(form, 415, 'Unsupported Media Type');
  });

  it('404 on an unknown route, also for a wrong method', async () => {
    const body = assertError(await h.app.inject({ method: 'GET', url: '/v1/nothing' }), 404, 'Not Found');
    assert.match(body.message, /no route GET \/v1\/nothing/);
    assertError(await h.app.inject({ method: 'GET', url: '/v1/predict' }), 404, 'Not Found');
  });

  it('404 on an unknown model (OIP)', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v2/models/other/infer', headers: auth(h.userKey), payload: { inputs: [] } });
    const body = assertError(res, 404, 'Not Found');
    assert.match(body.message, /unknown model "other"/);
  });

  it('400 on a malformed version path parameter', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v2/models/flights/versions/abc', headers: auth(h.userKey) });
    const body = assertError(res, 400, 'Bad Request');
    assert.deepEqual(
      body.issues?.map((i) => i.path),
      ['params.version'],
    );
  });

  it('never crashes and never answers 5xx on arbitrary JSON bodies (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        const res = await predict(JSON.stringify({ instances: [value] }), { 'content-type': 'application/json' });
        assert.ok(res.statusCode === 200 || res.statusCode === 400, `status ${res.statusCode}: ${res.body}`);
      }),
      { numRuns: 150 },
    );
    const ok = await predict({ instances: [ROW] });
    assert.equal(ok.statusCode, 200);
  });
});
