// OpenAPI at /docs (swagger-ui) and /docs/json, built from the same zod schemas that validate requests.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { LoadedModel } from './model-manager';
import { OipInferRequest, jsonSchema } from './schemas';

type Spec = Record<string, unknown> & { paths?: Record<string, Record<string, Record<string, unknown>>> };

function jsonBody(schema: Record<string, unknown>, example?: unknown) {
  return { required: true, content: { 'application/json': { schema, ...(example !== undefined ? { example } : {}) } } };
}

function exampleRow(model: LoadedModel): Record<string, string | number | null> {
  const row: Record<string, string | number | null> = {};
  for (const f of model.features) row[f.name] = f.type === 'numeric' ? 0 : 'value';
  return row;
}

/** Registers @fastify/swagger (must come before the routes it documents) and the UI. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Prediction service',
        version: '1',
        description:
          'Scores rows with the registry champion (onnxruntime). Authenticate with "Authorization: Bearer <key>" or "x-api-key". Errors are {"error","message","issues":[{"path","message"}]}.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
    },
  });

  // Predict bodies depend on each model's features, so they are filled in per request for the models
  // served now: /v1/predict gets the default model's schema, and each loaded model gets a path of its
  // own (/v1/models/<name>/predict) with its schema and an example; the static OIP body sits beside them.
  const bodies = new Map<string, { version: number; body: Record<string, unknown> }>();
  const bodyFor = (model: LoadedModel) => {
    let b = bodies.get(model.name);
    if (b?.version !== model.version) {
      b = { version: model.version, body: jsonBody(jsonSchema(model.predictRequest), { instances: [exampleRow(model)] }) };
      bodies.set(model.name, b);
    }
    return b.body;
  };
  const infer = jsonSchema(OipInferRequest);
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    transformSpecificationClone: true,
    transformSpecification: (spec: Readonly<Record<string, unknown>>) => {
      const out = spec as Spec;
      const paths = (out.paths ??= {});
      const { repository, modelName } = app.serving;
      const main = repository.current(modelName);
      const predict = paths['/v1/predict']?.post;
      if (predict && main) predict.requestBody = bodyFor(main);
      const generic = paths['/v1/models/{name}/predict']?.post;
      if (generic) {
        for (const name of repository.names()) {
          const model = repository.current(name);
          if (!model) continue;
          const { parameters: _parameters, ...op } = generic;
          paths[`/v1/models/${name}/predict`] = {
            post: { ...op, operationId: `predict_${name.replace(/[^A-Za-z0-9_]/g, '_')}`, summary: `Score rows with "${name}" (version ${model.version})`, requestBody: bodyFor(model) },
          };
        }
      }
      for (const p of ['/v2/models/{name}/infer', '/v2/models/{name}/versions/{version}/infer']) {
        const post = paths[p]?.post;
        if (post) post.requestBody = jsonBody(infer);
      }
      return out;
    },
  });
}
