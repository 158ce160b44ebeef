// REST v1: POST /v1/predict (the default model) and /v1/models/{name}/predict (any model), and the model list and details.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InferenceIds } from '../capture';
import { HttpError, parseOr400 } from '../../http/errors';
import type { LoadedModel } from '../model-manager';
import type { Guard } from './guard';
import { CurrentModel, ModelDetail, ModelList, ModelParams, errorResponses, jsonSchema } from '../schemas';
import { AnyPredictResponse } from '../task-output';

/** The default model's champion, or 503 while none is loaded (the service starts before the first model exists). */
export function championOr503(app: FastifyInstance): LoadedModel {
  const model = app.serving.repository.current(app.serving.modelName);
  if (!model) throw new HttpError(503, `no champion model of "${app.serving.modelName}" is loaded yet; /readyz turns ready when one is`, undefined, { 'retry-after': '5' });
  return model;
}

/**
 * The 200 body of both predict routes, as fastify's serializer for PredictResponse would write it. Written
 * out directly: building one object per row for the serializer to walk cost more than the model run itself.
 */
export function predictResponseJson(model: LoadedModel, probs: Float32Array, ids: InferenceIds): string {
  const own = 'prefix' in ids ? undefined : ids;
  // the default id is `<prefix>.<row>`: the prefix is escaped once, its closing quote moves after the row
  const open = own ? '' : JSON.stringify((ids as { prefix: string }).prefix).slice(0, -1);
  let json = `{"model":${model.refJson},"predictions":[`;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    // as the serializer did: no invalid JSON (NaN) and no silent null in place of a score
    if (!Number.isFinite(p)) throw new Error(`model "${model.name}" v${model.version} returned a non-finite probability (${p})`);
    json += `${i === 0 ? '' : ','}{"id":${own ? JSON.stringify(own[i]) : `${open}.${i}"`},"label":${p >= model.threshold ? 1 : 0},"probability":${p}}`;
  }
  return `${json}]}`;
}

/** The task of a loaded model as the model routes show it (classes for multiclass). */
function taskFields(m: LoadedModel): { task: LoadedModel['task']['task']; classes?: LoadedModel['task']['classes'] } {
  return { task: m.task.task, ...(m.task.classes ? { classes: m.task.classes } : {}) };
}

/** With the charset given, fastify sends a string body as it is. */
const JSON_UTF8 = 'application/json; charset=utf-8';

const security: Array<Record<string, string[]>> = [{ bearer: [] }, { apiKey: [] }];
const predictDescription =
  'Body: {"instances": [{feature: value, ...}], "ids": [optional, one per instance]}. Each prediction carries an inference id (yours, else <request id>.<row>) to send ground truth with (POST /v1/models/{name}/feedback). Every feature of the model is required; numeric ones take a finite number, categorical ones a string; null means "missing". Unknown fields are rejected. Each model has its own request schema (GET /v1/models/{name}; /docs lists them).';

// eslint-disable-next-line @typescript-eslint/require-await -- Fastify registers a plugin that returns a promise as an async plugin; this one needs no await
export async function predictRoutes(app: FastifyInstance, opts: { guard: Guard }): Promise<void> {
  const { repository, metrics, modelName } = app.serving;
  const g = opts.guard;

  /** Scores a request with `model`; the one code path of both predict routes. */
  const predict = async (request: FastifyRequest, reply: FastifyReply, model: LoadedModel) => {
    request.servedModel = model.name;
    const body = model.fastPredict(request.body) ?? parseOr400(model.predictRequest, request.body, 'request body');
    const rows = body.instances;
    const probs = await model.scorer.score(rows);
    request.scoredRows = rows.length;
    metrics.countPredictions('v1', model.name, model.version, rows.length);
    const capture = model.capture;
    const ids: InferenceIds = body.ids ?? { prefix: String(request.id) };
    const respond = model.respond;
    if (respond === undefined) {
      // binary: the path every binary model took before other tasks existed
      if (capture.sample()) capture.offer('v1', model.version, request.principal?.id ?? '', String(request.id), rows, probs, model.threshold, ids);
      void reply.type(JSON_UTF8);
      return predictResponseJson(model, probs, ids);
    }
    if (capture.sample()) capture.offerOutputs('v1', model.version, request.principal?.id ?? '', String(request.id), rows, probs, model.captureFields, ids);
    void reply.type(JSON_UTF8);
    return respond(probs, ids);
  };

  app.post(
    '/v1/predict',
    {
      ...g,
      schema: {
        summary: `Score rows with the default model (MODEL_NAME, here "${modelName}")`,
        description: predictDescription,
        tags: ['predict'],
        security,
        response: { 200: jsonSchema(AnyPredictResponse), ...errorResponses(400, 401, 413, 415, 429, 503) },
      },
    },
    // not async itself: a loaded model (the usual case) goes straight to predict's promise
    (request: FastifyRequest, reply: FastifyReply) => {
      const model = repository.current(modelName);
      return model ? predict(request, reply, model) : repository.require(modelName).then((m) => predict(request, reply, m));
    },
  );

  app.post(
    '/v1/models/:name/predict',
    {
      ...g,
      schema: {
        summary: 'Score rows with the champion of model {name}',
        description: `${predictDescription} An unloaded model is loaded on demand; one that failed to load answers 503 without affecting the others.`,
        tags: ['predict'],
        security,
        params: jsonSchema(ModelParams),
        response: { 200: jsonSchema(AnyPredictResponse), ...errorResponses(400, 401, 404, 413, 415, 429, 503) },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const { name } = request.params as { name: string };
      return predict(request, reply, repository.current(name) ?? (await repository.require(name)));
    },
  );

  app.get(
    '/v1/models',
    {
      ...g,
      schema: {
        summary: 'Every model of the repository: champion version, version served, state, request schema (features)',
        tags: ['models'],
        security,
        response: { 200: jsonSchema(ModelList), ...errorResponses(401, 429) },
      },
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- Fastify sends an async handler's resolved value as the reply
    async () => ({ default: modelName, models: repository.list() }),
  );

  app.get(
    '/v1/models/current',
    {
      ...g,
      schema: {
        summary: 'The default model being served: version, features (the request schema), threshold, metrics',
        tags: ['models'],
        security,
        response: { 200: jsonSchema(CurrentModel), ...errorResponses(401, 429, 503) },
      },
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- Fastify sends an async handler's resolved value as the reply
    async () => {
      const m = championOr503(app);
      return {
        name: m.name,
        version: m.version,
        loadedAt: m.loadedAt,
        createdAt: m.metadata.createdAt,
        threshold: m.threshold,
        ...taskFields(m),
        features: m.features.map((f) => ({ name: f.name, type: f.type })),
        metrics: m.metadata.metrics,
      };
    },
  );

  app.get(
    '/v1/models/:name',
    {
      ...g,
      schema: {
        summary: 'One model: state, champion, version served, request schema, threshold and metrics when loaded',
        tags: ['models'],
        security,
        params: jsonSchema(ModelParams),
        response: { 200: jsonSchema(ModelDetail), ...errorResponses(401, 404, 429) },
      },
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- Fastify sends an async handler's resolved value as the reply
    async (request: FastifyRequest) => {
      const { name } = request.params as { name: string };
      const status = repository.status(name);
      if (!status) throw repository.unknown(name);
      const m = repository.current(name);
      if (!m) return status;
      return { ...status, loadedAt: m.loadedAt, createdAt: m.metadata.createdAt, threshold: m.threshold, ...taskFields(m), metrics: m.metadata.metrics };
    },
  );
}
