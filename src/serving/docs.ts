// OpenAPI at /docs (swagger-ui) and /docs/json, built from the same zod schemas that validate requests.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { LoadedModel } from './model-manager';
import { OipInferRequest, jsonSchema } from './schemas';
import { predictResponseSchema } from './task-output';

type Spec = Record<string, unknown> & { paths?: Record<string, Record<string, Record<string, unknown>>> };

function jsonBody(schema: Record<string, unknown>, example?: unknown) {
  return { required: true, content: { 'application/json': { schema, ...(example !== undefined ? { example } : {}) } } };
}

const TASK_FIELDS = {
  binary: 'each prediction is {id, label (0|1), probability (of the positive class)}',
  regression: "each prediction is {id, prediction (a number in the target's units)}",
  multiclass: 'each prediction is {id, label (the most probable class), probabilities ({<class>: p}, summing to 1)}',
} as const;

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
  // The 200 body is per model too: its task names the fields (a number; a label and one probability per class).
  const bodies = new Map<string, { version: number; body: Record<string, unknown>; ok: Record<string, unknown> }>();
  const docsOf = (model: LoadedModel) => {
    let b = bodies.get(model.name);
    if (b?.version !== model.version) {
      b = {
        version: model.version,
        body: jsonBody(jsonSchema(model.predictRequest), { instances: [exampleRow(model)] }),
        ok: { description: `${model.task.task} model: ${TASK_FIELDS[model.task.task]}`, content: { 'application/json': { schema: jsonSchema(predictResponseSchema(model.task)) } } },
      };
      bodies.set(model.name, b);
    }
    return b;
  };
  const withOk = (op: Record<string, unknown>, model: LoadedModel) => ({ ...((op.responses as Record<string, unknown> | undefined) ?? {}), 200: docsOf(model).ok });
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
      if (predict && main) {
        predict.requestBody = docsOf(main).body;
        predict.responses = withOk(predict, main);
      }
      const generic = paths['/v1/models/{name}/predict']?.post;
      if (generic) {
        for (const name of repository.names()) {
          const model = repository.current(name);
          if (!model) continue;
          const { parameters: _parameters, ...op } = generic;
          paths[`/v1/models/${name}/predict`] = {
            post: {
              ...op,
              operationId: `predict_${name.replace(/[^A-Za-z0-9_]/g, '_')}`,
              summary: `Score rows with "${name}" (version ${model.version}, ${model.task.task})`,
              requestBody: docsOf(model).body,
              responses: withOk(op, model),
            },
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
