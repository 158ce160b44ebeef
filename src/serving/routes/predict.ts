// REST v1: POST /v1/predict (rows in, label and probability out) and GET /v1/models/current.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { inferenceId, type InferenceIds } from '../capture';
import { HttpError, parseOr400 } from '../errors';
import type { LoadedModel } from '../model-manager';
import type { Guard } from './guard';
import { CurrentModel, PredictResponse, errorResponses, jsonSchema } from '../schemas';

/** The champion, or 503 while none is loaded (the service starts before the first model exists). */
export function championOr503(app: FastifyInstance): LoadedModel {
  const model = app.serving.models.current;
  if (!model) throw new HttpError(503, `no champion model of "${app.serving.modelName}" is loaded yet; /readyz turns ready when one is`, undefined, { 'retry-after': '5' });
  return model;
}

export interface Prediction {
  id: string;
  label: number;
  probability: number;
}

export function toPredictions(probs: Float32Array, threshold: number, ids: InferenceIds): Prediction[] {
  const out = new Array<Prediction>(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = { id: inferenceId(ids, i), label: probs[i] >= threshold ? 1 : 0, probability: probs[i] };
  return out;
}

export async function predictRoutes(app: FastifyInstance, opts: { guard: Guard }): Promise<void> {
  const { capture, metrics } = app.serving;
  const g = opts.guard;

  app.post(
    '/v1/predict',
    {
      ...g,
      schema: {
        summary: 'Score rows with the champion model',
        description:
          'Body: {"instances": [{feature: value, ...}], "ids": [optional, one per instance]}. Each prediction carries an inference id (yours, else <request id>.<row>) to send ground truth with (POST /v1/feedback). Every feature of the model is required; numeric ones take a finite number, categorical ones a string; null means "missing". Unknown fields are rejected. The request schema follows the current champion (see GET /v1/models/current).',
        tags: ['predict'],
        security: [{ bearer: [] }, { apiKey: [] }],
        response: { 200: jsonSchema(PredictResponse), ...errorResponses(400, 401, 413, 415, 429, 503) },
      },
    },
    async (request: FastifyRequest) => {
      const model = championOr503(app);
      const body = parseOr400(model.predictRequest, request.body, 'request body');
      const rows = body.instances;
      const probs = await model.scorer.score(rows);
      request.scoredRows = rows.length;
      metrics.countPredictions('v1', model.version, rows.length);
      const ids: InferenceIds = body.ids ?? { prefix: String(request.id) };
      if (capture.sample()) capture.offer('v1', model.version, request.principal?.id ?? '', String(request.id), rows, probs, model.threshold, ids);
      return { model: { name: model.name, version: model.version }, predictions: toPredictions(probs, model.threshold, ids) };
    },
  );

  app.get(
    '/v1/models/current',
    {
      ...g,
      schema: {
        summary: 'The champion model being served: version, features (the request schema), threshold, metrics',
        tags: ['models'],
        security: [{ bearer: [] }, { apiKey: [] }],
        response: { 200: jsonSchema(CurrentModel), ...errorResponses(401, 429, 503) },
      },
    },
    async () => {
      const m = championOr503(app);
      return {
        name: m.name,
        version: m.version,
        loadedAt: m.loadedAt,
        createdAt: m.metadata.createdAt,
        threshold: m.threshold,
        features: m.features.map((f) => ({ name: f.name, type: f.type })),
        metrics: m.metadata.metrics,
      };
    },
  );
}
