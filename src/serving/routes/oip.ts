// Open Inference Protocol v2 (KServe/Triton REST): health, server and model metadata, readiness, infer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FeatureRecord } from '../capture';
import { HttpError, parseOr400, type Issue } from '../../http/errors';
import type { LoadedModel } from '../model-manager';
import { RegistryError } from '../../registry/registry';
import {
  ModelParams,
  OipInferRequest,
  OipInferResponse,
  OipLive,
  OipModelMetadata,
  OipReady,
  OipServerMetadata,
  RepositoryActionResponse,
  RepositoryIndexRequest,
  RepositoryIndexResponse,
  VersionParams,
  errorResponses,
  jsonSchema,
  type FeatureSpecLike,
} from '../schemas';
import type { Guard } from './guard';
import { BINARY, oipOutputs, oipOutputsMeta, servedTaskOf, type ServedTask } from '../task-output';

const NUMERIC_TYPES = new Set(['FP32', 'FP64', 'FP16', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);
const tags = ['open inference protocol v2'];
const security: Array<Record<string, string[]>> = [{ bearer: [] }, { apiKey: [] }];

export function oipInputs(features: readonly FeatureSpecLike[]) {
  return features.map((f) => ({ name: f.name, datatype: f.type === 'numeric' ? 'FP32' : 'BYTES', shape: [-1, 1] }));
}

/**
 * Turns OIP input tensors (one per feature, shape [N] or [N,1]) into rows; each problem is an issue
 * naming the input (inputs.<i>.<field>) so a client sees every mistake at once.
 */
export function tensorsToRows(req: OipInferRequest, features: readonly FeatureSpecLike[], maxRows: number, task: ServedTask = BINARY): FeatureRecord[] {
  const issues: Issue[] = [];
  const byName = new Map(features.map((f) => [f.name, f]));
  const seen = new Map<string, number>();
  let rows: number | undefined;
  const columns: { name: string; values: (string | number | null)[] }[] = [];
  req.inputs.forEach((input, i) => {
    const at = `inputs.${i}`;
    const f = byName.get(input.name);
    if (!f) return issues.push({ path: `${at}.name`, message: `unknown input "${input.name}"; the model takes ${features.map((x) => x.name).join(', ')}` });
    if (seen.has(input.name)) return issues.push({ path: `${at}.name`, message: `input "${input.name}" given twice` });
    seen.set(input.name, i);
    if (f.type === 'numeric' && !NUMERIC_TYPES.has(input.datatype))
      issues.push({ path: `${at}.datatype`, message: `numeric input "${f.name}" must be FP32 (or another numeric type), got ${input.datatype}` });
    if (f.type === 'categorical' && input.datatype !== 'BYTES') issues.push({ path: `${at}.datatype`, message: `categorical input "${f.name}" must be BYTES, got ${input.datatype}` });
    const [n, width] = input.shape;
    if (input.shape.length === 2 && width !== 1) issues.push({ path: `${at}.shape`, message: 'must be [N] or [N, 1]' });
    if (n < 1 || n > maxRows) issues.push({ path: `${at}.shape`, message: `batch size must be 1-${maxRows}, got ${n}` });
    if (rows === undefined) rows = n;
    else if (n !== rows) issues.push({ path: `${at}.shape`, message: `batch size ${n} differs from the first input's ${rows}` });
    const flat = input.data.flat();
    if (flat.length !== n) return issues.push({ path: `${at}.data`, message: `holds ${flat.length} values for shape [${input.shape.join(', ')}]` });
    for (let r = 0; r < flat.length; r++) {
      const v = flat[r];
      if (v === null) continue;
      const ok = f.type === 'numeric' ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string';
      if (!ok) {
        issues.push({ path: `${at}.data.${r}`, message: f.type === 'numeric' ? 'must be a finite number or null' : 'must be a string or null' });
        break; // one per input is enough to act on
      }
    }
    columns.push({ name: f.name, values: flat as (string | number | null)[] });
  });
  for (const f of features) if (!seen.has(f.name)) issues.push({ path: 'inputs', message: `missing input "${f.name}" (${f.type === 'numeric' ? 'FP32' : 'BYTES'})` });
  const names = oipOutputsMeta(task).map((o) => o.name);
  for (const [i, o] of (req.outputs ?? []).entries()) {
    if (!names.includes(o.name)) issues.push({ path: `outputs.${i}.name`, message: `unknown output "${o.name}"; the model gives ${names.join(', ')}` });
  }
  if (issues.length > 0) throw new HttpError(400, `invalid inference request: ${issues.length} problem${issues.length === 1 ? '' : 's'}`, issues);
  const n = rows ?? 0;
  const out = new Array<FeatureRecord>(n);
  for (let r = 0; r < n; r++) {
    const row: Record<string, string | number | null> = {};
    for (const c of columns) row[c.name] = c.values[r];
    out[r] = row;
  }
  return out;
}

const REPOSITORY_STATE = { loaded: 'READY', loading: 'LOADING', unloaded: 'UNAVAILABLE', failed: 'UNAVAILABLE', 'no-champion': 'UNAVAILABLE' } as const;

// eslint-disable-next-line @typescript-eslint/require-await -- Fastify registers a plugin that returns a promise as an async plugin; this one needs no await
export async function oipRoutes(app: FastifyInstance, opts: { guard: Guard; adminGuard: Guard }): Promise<void> {
  const { repository, capture, metrics, modelName, registry, config } = app.serving;
  const g = opts.guard;

  /** The champion (loaded on demand) or an explicit version of a known model; 404 names the models that exist. */
  const modelFor = async (name: string, version?: string): Promise<LoadedModel> => {
    if (version === undefined) return repository.current(name) ?? repository.require(name);
    const manager = await repository.manager(name);
    try {
      const m = await manager.version(Number(version));
      if (!m) throw new HttpError(404, `version ${version} of "${name}" is not served (only the champion; set SERVING_EXTRA_VERSIONS to load others)`);
      return m;
    } catch (err) {
      if (err instanceof HttpError) throw err;
      if (err instanceof RegistryError) throw new HttpError(404, `model "${name}" has no version ${version}`);
      throw new HttpError(503, `version ${version} of "${name}" could not be loaded; see the service log`);
    }
  };

  const live = { schema: { tags, summary: 'Liveness', response: { 200: jsonSchema(OipLive) } } };
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify sends an async handler's resolved value as the reply
  app.get('/v2/health/live', live, async () => ({ live: true }));
  app.get('/v2/health/ready', { schema: { tags, summary: 'Readiness (the default model is loaded)', response: { 200: jsonSchema(OipReady), 503: jsonSchema(OipReady) } } }, async (_req, reply) => {
    const loaded = repository.current(modelName) !== undefined;
    const ready = loaded && capture.healthy;
    if (ready) return { ready };
    return reply.code(503).send({ ready, error: 'Service Unavailable', message: loaded ? 'capture writer is not working' : `no champion model of "${modelName}" is loaded yet` });
  });
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify sends an async handler's resolved value as the reply
  app.get('/v2', { schema: { tags, summary: 'Server metadata', response: { 200: jsonSchema(OipServerMetadata) } } }, async () => ({
    name: 'durable-ml-pipeline',
    version: '2',
    extensions: ['model_repository'],
  }));

  const readyHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { name, version } = request.params as { name: string; version?: string };
    if (!repository.has(name)) throw repository.unknown(name);
    // from state only: an open probe must never load a model (and evict others to make room)
    const manager = repository.loadedManager(name);
    const ready = version === undefined ? manager?.current !== undefined : manager?.isLoaded(Number(version)) === true;
    if (ready) return { name, ready };
    const why = repository.status(name)?.reason;
    return reply
      .code(503)
      .send({ name, ready, error: 'Service Unavailable', message: version === undefined ? `model "${name}" is not loaded${why ? `: ${why}` : ''}` : `version ${version} of "${name}" is not loaded` });
  };
  const readySchema = { tags, summary: 'Whether the model (version) is loaded and can infer', response: { 200: jsonSchema(OipReady), 503: jsonSchema(OipReady), ...errorResponses(400, 404) } };
  app.get('/v2/models/:name/ready', { schema: { ...readySchema, params: jsonSchema(ModelParams) } }, readyHandler);
  app.get('/v2/models/:name/versions/:version/ready', { schema: { ...readySchema, params: jsonSchema(VersionParams) } }, readyHandler);

  const metadataHandler = async (request: FastifyRequest) => {
    const { name, version } = request.params as { name: string; version?: string };
    if (!repository.has(name)) throw repository.unknown(name);
    let v: number;
    if (version === undefined) v = (await modelFor(name)).version;
    else v = Number(version);
    let features: readonly FeatureSpecLike[];
    let task: ServedTask;
    try {
      const meta = await registry.metadata(name, v);
      features = meta.features;
      // a loaded version knows its task from its graph; another one from its registry metadata
      const loaded = repository.current(name);
      task = loaded?.version === v ? loaded.task : servedTaskOf(undefined, meta);
    } catch (err) {
      if (err instanceof RegistryError) throw new HttpError(404, `model "${name}" has no version ${v}`);
      throw err;
    }
    const versions = version === undefined ? (await registry.versions(name)).map(String) : [String(v)];
    return { name, versions, platform: 'onnxruntime_onnx', inputs: oipInputs(features), outputs: oipOutputsMeta(task) };
  };
  const metadataSchema = {
    tags,
    security,
    summary: 'Model metadata: inputs (one per feature) and outputs',
    response: { 200: jsonSchema(OipModelMetadata), ...errorResponses(400, 401, 404, 429, 503) },
  };
  app.get('/v2/models/:name', { ...g, schema: { ...metadataSchema, params: jsonSchema(ModelParams) } }, metadataHandler);
  app.get('/v2/models/:name/versions/:version', { ...g, schema: { ...metadataSchema, params: jsonSchema(VersionParams) } }, metadataHandler);

  const inferHandler = async (request: FastifyRequest) => {
    const { name, version } = request.params as { name: string; version?: string };
    const model = await modelFor(name, version);
    request.servedModel = model.name;
    const req = parseOr400(OipInferRequest, request.body, 'inference request');
    const rows = tensorsToRows(req, model.features, config.SERVING_MAX_ROWS, model.task);
    const probs = await model.scorer.score(rows);
    request.scoredRows = rows.length;
    metrics.countPredictions('v2', model.name, model.version, rows.length);
    // Row r's inference id is <id>.<r>, with the client's request id when it sent one.
    const id = req.id ?? String(request.id);
    if (model.capture.sample()) {
      const key = request.principal?.id ?? '';
      if (model.captureFields) model.capture.offerOutputs('v2', model.version, key, String(request.id), rows, probs, model.captureFields, { prefix: id });
      else model.capture.offer('v2', model.version, key, String(request.id), rows, probs, model.threshold, { prefix: id });
    }
    const wanted = req.outputs ? new Set(req.outputs.map((o) => o.name)) : undefined;
    return { model_name: name, model_version: String(model.version), id, outputs: oipOutputs(model.task, probs, rows.length, model.threshold, wanted) };
  };
  const inferSchema = {
    tags,
    security,
    summary: 'Infer: one input tensor per feature (FP32 or BYTES, shape [N] or [N,1])',
    response: { 200: jsonSchema(OipInferResponse), ...errorResponses(400, 401, 404, 413, 415, 429, 503) },
  };
  app.post('/v2/models/:name/infer', { ...g, schema: { ...inferSchema, params: jsonSchema(ModelParams) } }, inferHandler);
  app.post('/v2/models/:name/versions/:version/infer', { ...g, schema: { ...inferSchema, params: jsonSchema(VersionParams) } }, inferHandler);

  // Repository extension (KServe/Triton): the index of models and, for admin keys, load and unload.
  app.post(
    '/v2/repository/index',
    {
      ...g,
      schema: {
        tags,
        security,
        summary: 'Repository index: every model, the version served and its state (READY, LOADING, UNAVAILABLE with a reason)',
        response: { 200: jsonSchema(RepositoryIndexResponse), ...errorResponses(400, 401, 415, 429) },
      },
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- Fastify sends an async handler's resolved value as the reply
    async (request: FastifyRequest) => {
      const body = parseOr400(RepositoryIndexRequest, request.body ?? {}, 'repository index request');
      return repository
        .list()
        .map((s) => ({
          name: s.name,
          ...(s.version !== null ? { version: String(s.version) } : s.champion !== null ? { version: String(s.champion) } : {}),
          state: REPOSITORY_STATE[s.state],
          reason: s.reason ?? '',
        }))
        .filter((s) => body.ready !== true || s.state === 'READY');
    },
  );
  const actionSchema = (summary: string) => ({
    ...opts.adminGuard,
    schema: { tags, security, summary, params: jsonSchema(ModelParams), response: { 200: jsonSchema(RepositoryActionResponse), ...errorResponses(401, 403, 404, 409, 429, 503) } },
  });
  app.post('/v2/repository/models/:name/load', actionSchema('Load a model now (admin key)'), async (request: FastifyRequest) => {
    const { name } = request.params as { name: string };
    const m = await modelFor(name);
    return { name, state: 'loaded', version: m.version };
  });
  app.post('/v2/repository/models/:name/unload', actionSchema('Unload a model (admin key); its next request loads it again'), async (request: FastifyRequest) => {
    const { name } = request.params as { name: string };
    await repository.unload(name);
    return { name, state: 'unloaded', version: null };
  });
}
