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

  // The predict body depends on the champion's features, so it is filled in per request for the
  // model served now; the static OIP body is filled in the same way so both live beside each other.
  let cached: { version: number; schema: Record<string, unknown>; example: unknown } | undefined;
  const infer = jsonSchema(OipInferRequest);
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    transformSpecificationClone: true,
    transformSpecification: (spec: Readonly<Record<string, unknown>>) => {
      const out = spec as Spec;
      const model = app.serving.models.current;
      const predict = out.paths?.['/v1/predict']?.post;
      if (predict && model) {
        if (cached?.version !== model.version) cached = { version: model.version, schema: jsonSchema(model.predictRequest), example: { instances: [exampleRow(model)] } };
        predict.requestBody = jsonBody(cached.schema, cached.example);
      }
      for (const p of ['/v2/models/{name}/infer', '/v2/models/{name}/versions/{version}/infer']) {
        const post = out.paths?.[p]?.post;
        if (post) post.requestBody = jsonBody(infer);
      }
      return out;
    },
  });
}
