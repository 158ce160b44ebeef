// A seeded corpus of hostile HTTP requests: malformed JSON, deep nesting, wrong types, huge numbers, wrong content types, unknown models, path traversal.
import { mulberry32 } from '../../src/model/prng';

export interface HostileRequest {
  kind: string;
  method: string;
  /** Sent byte for byte (not normalized), so traversal sequences reach the server as written. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const ROW = { distance: 800, dep_hour: 17, carrier: 'AA', origin: 'ORD' };

const deep = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

const MALFORMED = [
  '',
  '{',
  '{"instances":[',
  '{"instances":[{"distance":800,}]}',
  "{'instances':[]}",
  '{"instances":[{"distance":08}]}',
  'null',
  'true',
  '"instances"',
  '[]',
  '{"instances":[{"distance":NaN}]}',
  '{"instances":[{"distance":Infinity}]}',
  '\u0000\u0001\u0002',
  '{"instances":[{"carrier":"\\ud800"}]}',
  '{"__proto__":{"admin":true},"instances":[]}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"instances":[{"distance":800}]}garbage',
  '\ufeff{"instances":[]}',
];

const TRAVERSAL_NAMES = [
  '..',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fregistry',
  '....%2F%2F',
  'flights%00',
  '%00',
  'FLIGHTS',
  'flights.json',
  'a'.repeat(300),
  '%E2%80%AE',
  '%ZZ',
  'con',
  '~root',
  '.hidden',
  'flights%2F..%2Fflights',
];

const REPORT_IDS = ['..%2F..%2Fapi-keys.json', '..%2Fapi-keys', '%2e%2e%2fdev-api-key.html', 'x%00.html', '....json', '.html', 'a'.repeat(250), '..', '%2F', 'drift-flights-1.html%3F', 'x.json.html'];

type Gen = (rand: () => number, key: string) => HostileRequest;

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const authed = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json', ...extra });
const predictPath = (rand: () => number) => pick(rand, ['/v1/predict', '/v1/models/flights/predict']);

const wrongValues: unknown[] = ['800', true, {}, [], [800], { $gt: 0 }, '', 'x'.repeat(5000), -0, 1e308, -1e308, 5e-324, 2 ** 53 + 1];

const generators: Record<string, Gen> = {
  malformedJson: (rand, key) => ({ kind: 'malformed JSON', method: 'POST', path: predictPath(rand), headers: authed(key), body: Buffer.from(pick(rand, MALFORMED)) }),
  invalidUtf8: (rand, key) => ({
    kind: 'invalid UTF-8',
    method: 'POST',
    path: predictPath(rand),
    headers: authed(key),
    body: Buffer.concat([Buffer.from('{"instances":[{"carrier":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}]}')]),
  }),
  deepArrays: (rand, key) => ({
    kind: 'deep nesting',
    method: 'POST',
    path: predictPath(rand),
    headers: authed(key),
    body: Buffer.from(`{"instances":${deep(1000 + Math.floor(rand() * 90_000), '[', ']')}}`),
  }),
  deepObjects: (rand, key) => ({
    kind: 'deep nesting',
    method: 'POST',
    path: predictPath(rand),
    headers: authed(key),
    body: Buffer.from(`{"instances":[{"distance":${deep(1000 + Math.floor(rand() * 50_000), '{"a":', '}')}}]}`),
  }),
  deepOip: (rand, key) => ({
    kind: 'deep nesting',
    method: 'POST',
    path: '/v2/models/flights/infer',
    headers: authed(key),
    body: Buffer.from(`{"inputs":[{"name":"distance","datatype":"FP32","shape":[1,1],"data":${deep(2 + Math.floor(rand() * 20_000), '[', ']')}}]}`),
  }),
  wrongTypes: (rand, key) => {
    const row: Record<string, unknown> = { ...ROW };
    row[pick(rand, Object.keys(ROW))] = pick(rand, wrongValues);
    const body = pick(rand, [
      { instances: [row] },
      { instances: row },
      { instances: 'all' },
      { instances: [[800, 17, 'AA', 'ORD']] },
      { rows: [ROW] },
      { instances: [ROW], extra: 1 },
      { instances: [] },
      { instances: Array(1001).fill(ROW) },
    ]);
    return { kind: 'wrong types', method: 'POST', path: predictPath(rand), headers: authed(key), body: json(body) };
  },
  hugeNumbers: (rand, key) => {
    const n = pick(rand, ['1e309', '-1e309', '9'.repeat(400), `0.${'0'.repeat(400)}1`, '1e-400', '123456789012345678901234567890', '-0.0e-0']);
    return { kind: 'huge numbers', method: 'POST', path: predictPath(rand), headers: authed(key), body: Buffer.from(`{"instances":[{"distance":${n},"dep_hour":17,"carrier":"AA","origin":"ORD"}]}`) };
  },
  oipWrongTensors: (rand, key) => {
    const shapes = [[1e9, 1], [-1, 1], [1, 2], [0], [1, 1, 1], [], [2 ** 53, 1]];
    const body = {
      inputs: [
        {
          name: pick(rand, ['distance', 'DISTANCE', '__proto__', 'x'.repeat(10_000)]),
          datatype: pick(rand, ['FP32', 'BYTES', 'FP128', 'INT64', '']),
          shape: pick(rand, shapes),
          data: pick(rand, [[800], ['800'], [null], [[[1]]], [], [true]]),
        },
      ],
      outputs: pick(rand, [undefined, [{ name: 'secrets' }], 'all']),
      id: pick(rand, [undefined, 'x'.repeat(1000), 7]),
    };
    return {
      kind: 'wrong types',
      method: 'POST',
      path: pick(rand, [
        '/v2/models/flights/infer',
        '/v2/models/flights/versions/1/infer',
        '/v2/models/flights/versions/99999/infer',
        '/v2/models/flights/versions/0/infer',
        '/v2/models/flights/versions/1e3/infer',
      ]),
      headers: authed(key),
      body: json(body),
    };
  },
  wrongContentType: (rand, key) => ({
    kind: 'wrong content type',
    method: 'POST',
    path: predictPath(rand),
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': pick(rand, [
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'application/jsonx',
        '*/*',
        'application/octet-stream',
      ]),
    },
    body: json({ instances: [ROW] }),
  }),
  noContentType: (rand, key) => ({ kind: 'wrong content type', method: 'POST', path: predictPath(rand), headers: { authorization: `Bearer ${key}` }, body: json({ instances: [ROW] }) }),
  tooLarge: (rand, key) => ({ kind: 'huge body', method: 'POST', path: predictPath(rand), headers: authed(key), body: Buffer.alloc(1_100_000 + Math.floor(rand() * 100_000), 0x20) }),
  unknownModel: (rand, key) => ({
    kind: 'unknown model',
    method: pick(rand, ['GET', 'POST']),
    path: pick(rand, [
      '/v1/models/%s/predict',
      '/v1/models/%s',
      '/v2/models/%s',
      '/v2/models/%s/ready',
      '/v2/models/%s/infer',
      '/v2/models/%s/versions/1/infer',
      '/v2/repository/models/%s/load',
    ]).replace('%s', pick(rand, ['nope', 'flights2', 'x'.repeat(64), 'ml-pipeline'])),
    headers: authed(key),
    body: json({ instances: [ROW] }),
  }),
  traversalModel: (rand, key) => ({
    kind: 'path traversal (model)',
    method: pick(rand, ['GET', 'POST']),
    path: pick(rand, ['/v1/models/%s/predict', '/v1/models/%s', '/v2/models/%s', '/v2/models/%s/ready', '/v2/models/%s/infer', '/v2/models/%s/versions/1', '/v2/repository/models/%s/unload']).replace(
      '%s',
      pick(rand, TRAVERSAL_NAMES),
    ),
    headers: authed(key),
    body: json({ instances: [ROW] }),
  }),
  traversalRaw: (rand, key) => ({
    kind: 'path traversal (raw)',
    method: 'GET',
    path: pick(rand, [
      '/v1/models/../../../etc/passwd',
      '/v1/reports/../../api-keys.json',
      '/v2/models/../../registry/flights/aliases.json',
      '/docs/../../api-keys.json',
      '/docs/static/../../../dev-api-key',
      '//etc/passwd',
      '/v1/reports/%2e%2e/%2e%2e/usage.json',
    ]),
    headers: authed(key),
  }),
  traversalReport: (rand) => ({ kind: 'path traversal (report)', method: 'GET', path: `/v1/reports/${pick(rand, REPORT_IDS)}`, headers: {} }),
  reportQuery: (rand) => ({
    kind: 'wrong types',
    method: 'GET',
    path: `/v1/reports?${pick(rand, ['limit=abc', 'limit=-1', 'limit=1e9', 'model=..%2F..', 'limit=1&limit=2', 'model[]=x', '__proto__[x]=1', 'x'.repeat(3000)])}`,
    headers: {},
  }),
  badAuth: (rand) => ({
    kind: 'bad credentials',
    method: 'POST',
    path: predictPath(rand),
    headers: {
      'content-type': 'application/json',
      ...pick<Record<string, string>>(rand, [
        { authorization: 'Bearer' },
        { authorization: 'Basic YTpi' },
        { authorization: `Bearer ${'k'.repeat(5000)}` },
        { 'x-api-key': '' },
        { 'x-api-key': 'mlk_000000000000_' + 'a'.repeat(43) },
        { authorization: 'Bearer a b c' },
      ]),
    },
    body: json({ instances: [ROW] }),
  }),
  wrongMethod: (rand, key) => ({
    kind: 'wrong method',
    method: pick(rand, ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']),
    path: pick(rand, ['/v1/predict', '/v1/models', '/v2/models/flights/infer', '/healthz', '/v1/reports']),
    headers: authed(key),
    body: json({}),
  }),
  repositoryIndex: (rand, key) => ({
    kind: 'wrong types',
    method: 'POST',
    path: '/v2/repository/index',
    headers: authed(key),
    body: Buffer.from(pick(rand, ['{"ready":"yes"}', '[]', '{"ready":true,"x":1}', '{', 'null'])),
  }),
};

/** `n` hostile requests, the same for the same seed; every generator is used. */
export function hostileCorpus(n: number, key: string, seed = 11): HostileRequest[] {
  const rand = mulberry32(seed);
  const gens = Object.values(generators);
  const out: HostileRequest[] = [];
  for (let i = 0; i < n; i++) {
    // the huge bodies are expensive to send: about one in a hundred
    let g = gens[i % gens.length];
    if (g === generators.tooLarge && rand() > 0.1) g = generators.wrongTypes;
    out.push(g(rand, key));
  }
  return out;
}
