// Request and response shapes of the REST and OIP v2 APIs as zod schemas; JSON schemas for fastify and docs come from them.
import { z } from 'zod';
import { ClassValue, TaskKind } from '../task/task';
import { ErrorBody } from '../http/errors';

export interface FeatureSpecLike {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
}

/** Longest categorical value accepted; longer strings are almost surely a client bug, and capture stores them. */
export const MAX_CATEGORY_LENGTH = 1024;

const numericValue = z.number({ error: (iss) => (iss.input === undefined ? 'required (use null for a missing value)' : 'must be a finite number or null') }).nullable();
const categoricalValue = z
  .string({ error: (iss) => (iss.input === undefined ? 'required (use null for a missing value)' : 'must be a string or null') })
  .max(MAX_CATEGORY_LENGTH, `must be at most ${MAX_CATEGORY_LENGTH} characters`)
  .nullable();

/**
 * One row: every feature of the model must be present (a missing key is most often a typo, so it is
 * an error); `null` says "value missing" and the model's own missing-value branch scores it. Unknown
 * fields are rejected by name.
 */
export function instanceSchema(features: readonly FeatureSpecLike[]) {
  const shape: Record<string, z.ZodType<string | number | null>> = {};
  for (const f of features) {
    shape[f.name] = (f.type === 'numeric' ? numericValue : categoricalValue).meta({ description: `${f.type} feature` });
  }
  return z.strictObject(shape, { error: (iss) => (iss.code === 'invalid_type' ? 'must be an object of feature values' : undefined) });
}

/**
 * An inference id: what ground truth is sent back with (POST /v1/feedback). Long enough for an OIP
 * request id (256) plus its row suffix; no control characters, so log and capture lines stay one line each.
 */
export const MAX_INFERENCE_ID_LENGTH = 300;
export const InferenceId = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(MAX_INFERENCE_ID_LENGTH, `must be at most ${MAX_INFERENCE_ID_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex -- rejecting control characters is this pattern's purpose
  .regex(/^[^\x00-\x1f\x7f]+$/, 'must not hold control characters');

export function predictRequestSchema(features: readonly FeatureSpecLike[], maxRows: number) {
  return z
    .strictObject(
      {
        instances: z
          .array(instanceSchema(features), { error: (iss) => (iss.input === undefined ? 'required' : 'must be an array of rows') })
          .min(1, 'must hold at least one row')
          .max(maxRows, `must hold at most ${maxRows} rows`),
        ids: z
          .array(InferenceId, { error: 'must be an array of strings, one per instance' })
          .optional()
          .meta({ description: "Your own inference id per instance (unique per model); default: the service's <request id>.<row>" }),
      },
      { error: (iss) => (iss.code === 'invalid_type' ? 'body must be a JSON object {"instances": [...]}' : undefined) },
    )
    .superRefine((body, ctx) => {
      if (body.ids === undefined) return;
      if (body.ids.length !== body.instances.length) {
        ctx.addIssue({ code: 'custom', path: ['ids'], message: `holds ${body.ids.length} ids for ${body.instances.length} instances; give one per instance or none` });
        return;
      }
      const first = new Map<string, number>();
      body.ids.forEach((id, i) => {
        const j = first.get(id);
        if (j === undefined) first.set(id, i);
        else ctx.addIssue({ code: 'custom', path: ['ids', i], message: `duplicate of ids.${j} (${JSON.stringify(id.slice(0, 60))}); ids must be unique per model` });
      });
    })
    .meta({ title: 'PredictRequest' });
}
export type PredictRequest = z.infer<ReturnType<typeof predictRequestSchema>>;

export const ModelRef = z.object({ name: z.string(), version: z.number().int() });

export const PredictResponse = z
  .object({
    model: ModelRef,
    predictions: z.array(
      z.object({
        id: z.string().meta({ description: 'Inference id: send ground truth for this row to POST /v1/feedback under it' }),
        label: z.number().int().meta({ description: '1 when probability >= the model threshold, else 0' }),
        probability: z.number().meta({ description: 'P(positive class)' }),
      }),
    ),
  })
  .meta({ title: 'PredictResponse' });
export type PredictResponse = z.infer<typeof PredictResponse>;

export const CurrentModel = z.object({
  name: z.string(),
  version: z.number().int(),
  loadedAt: z.string(),
  createdAt: z.string(),
  threshold: z.number(),
  task: TaskKind.optional().meta({ description: 'What the model predicts; it decides the shape of each prediction' }),
  classes: z.array(ClassValue).optional().meta({ description: 'Multiclass: the classes, in the order of the probabilities' }),
  features: z.array(z.object({ name: z.string(), type: z.enum(['numeric', 'categorical']) })),
  metrics: z.record(z.string(), z.unknown()),
});

const UsageCounts = z.object({ requests: z.number().int(), rows: z.number().int(), errors: z.number().int() });
export const UsageEntry = z.object({
  name: z.string(),
  requests: z.number().int(),
  rows: z.number().int(),
  errors: z.number().int(),
  lastSeen: z.string().nullable(),
  models: z.record(z.string(), UsageCounts).optional().meta({ description: 'Prediction requests per model' }),
});

const FeatureRef = z.object({ name: z.string(), type: z.enum(['numeric', 'categorical']) });
export const ModelStatusBody = z
  .object({
    name: z.string(),
    champion: z.number().int().nullable().meta({ description: "The registry's champion version" }),
    version: z.number().int().nullable().meta({ description: 'The version this service answers with now (null: not loaded)' }),
    state: z.enum(['loaded', 'loading', 'unloaded', 'failed', 'no-champion']),
    reason: z.string().optional(),
    default: z.boolean().meta({ description: 'Served by /v1/predict too (MODEL_NAME)' }),
    features: z.array(FeatureRef).meta({ description: 'The request schema: every feature is required, null means missing' }),
  })
  .meta({ title: 'ModelStatus' });
export const ModelList = z.object({ default: z.string(), models: z.array(ModelStatusBody) });
export const ModelDetail = ModelStatusBody.extend({
  loadedAt: z.string().optional(),
  createdAt: z.string().optional(),
  threshold: z.number().optional(),
  task: TaskKind.optional().meta({ description: 'What the model predicts; it decides the shape of each prediction' }),
  classes: z.array(ClassValue).optional().meta({ description: 'Multiclass: the classes, in the order of the probabilities' }),
  metrics: z.record(z.string(), z.unknown()).optional(),
});

export const RepositoryIndexRequest = z.strictObject({ ready: z.boolean().optional() }).meta({ title: 'RepositoryIndexRequest' });
export const RepositoryIndexResponse = z.array(z.object({ name: z.string(), version: z.string().optional(), state: z.enum(['READY', 'LOADING', 'UNAVAILABLE']), reason: z.string() }));
export const RepositoryActionResponse = z.object({ name: z.string(), state: z.string(), version: z.number().int().nullable() });
export const UsageResponse = z.object({ keys: z.record(z.string(), UsageEntry) });

// ---- Open Inference Protocol v2 (KServe / Triton REST) ----

export const OipDatatype = z.enum(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES']);
const Parameters = z.record(z.string(), z.unknown());
/** Tensor data may be flat (row-major) or nested per row, as the protocol allows. */
const TensorData = z.array(z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(z.union([z.number(), z.string(), z.boolean(), z.null()]))]));

export const OipInferRequest = z
  .strictObject({
    id: z.string().max(256).optional(),
    parameters: Parameters.optional(),
    inputs: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          shape: z.array(z.number().int().min(0)).min(1).max(2),
          datatype: OipDatatype,
          parameters: Parameters.optional(),
          data: TensorData,
        }),
      )
      .min(1, 'must hold one input per feature'),
    outputs: z.array(z.strictObject({ name: z.string(), parameters: Parameters.optional() })).optional(),
  })
  .meta({ title: 'InferRequest' });
export type OipInferRequest = z.infer<typeof OipInferRequest>;

export const OipOutput = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.number().int()),
  data: z.union([z.array(z.number()), z.array(z.string()), z.array(z.boolean())]).meta({ description: 'Row-major; numbers, or class labels (BYTES/BOOL) for a multiclass label output' }),
});
export const OipInferResponse = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string().meta({ description: "The request's id (the client's, else the service's); row r's inference id is <id>.<r>" }),
    outputs: z.array(OipOutput),
  })
  .meta({ title: 'InferResponse' });
export type OipInferResponse = z.infer<typeof OipInferResponse>;

const TensorMeta = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()) });
export const OipModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string(),
  inputs: z.array(TensorMeta),
  outputs: z.array(TensorMeta),
});
export type OipModelMetadata = z.infer<typeof OipModelMetadata>;
export const OipServerMetadata = z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) });
/** OIP readiness; when not ready it also carries the service's error fields, so 503s look alike everywhere. */
export const OipReady = z.object({ name: z.string().optional(), ready: z.boolean(), error: z.string().optional(), message: z.string().optional() });
export const OipLive = z.object({ live: z.boolean() });

export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z.object({
  ready: z.boolean(),
  error: z.string().optional(),
  message: z.string().optional(),
  model: ModelRef.nullable(),
  capture: z.object({ ok: z.boolean(), folder: z.string() }),
  models: z
    .array(z.object({ name: z.string(), version: z.number().int().nullable(), state: z.string() }))
    .optional()
    .meta({ description: 'Every model of the repository and its state' }),
});

export const ModelParams = z.strictObject({ name: z.string() });
export const VersionParams = z.strictObject({
  name: z.string(),
  version: z.string().regex(/^[1-9][0-9]{0,8}$/, 'must be a positive whole number'),
});

/** The zod schema each JSON schema was made from, so route validation runs zod (one source, zod's messages). */
const zodByJson = new Map<string, z.ZodType>();

/** A JSON schema for fastify (serialization, validation via zodFor) and @fastify/swagger (docs); draft-07 is what fastify speaks. */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  delete out.id;
  zodByJson.set(JSON.stringify(out), schema);
  return out;
}

/** The zod schema behind a JSON schema made by jsonSchema(). */
export function zodFor(json: unknown): z.ZodType | undefined {
  return zodByJson.get(JSON.stringify(json));
}

/** The error responses a protected JSON route documents. */
export function errorResponses(...codes: number[]): Record<number, Record<string, unknown>> {
  const err = jsonSchema(ErrorBody);
  return Object.fromEntries(codes.map((c) => [c, err]));
}

/**
 * A check compiled from the features that accepts exactly the common valid body — `{"instances": [...]}`
 * without ids, every row holding every feature in the model's order with a value the zod schema takes —
 * and returns it as the zod schema would, without allocating. Anything else returns undefined and goes
 * through `predictRequestSchema`, which accepts it or writes the 4xx message naming the field, so the
 * messages are zod's alone. Why: zod's parse copies every row and was ~2.5 KB of garbage per request,
 * whose young-generation collections showed as p99 stalls.
 */
export function fastPredictCheck(features: readonly FeatureSpecLike[], maxRows: number): (body: unknown) => PredictRequest | undefined {
  const names = features.map((f) => f.name);
  const numeric = features.map((f) => f.type === 'numeric');
  const n = names.length;
  const rowOk = (row: unknown): boolean => {
    if (typeof row !== 'object' || row === null || Array.isArray(row) || Object.getPrototypeOf(row) !== Object.prototype) return false;
    let j = 0;
    // for-in walks own string keys in insertion order (integer-like keys first): a row in the model's order, no extras
    for (const k in row) {
      if (j >= n || k !== names[j]) return false;
      const v = (row as Record<string, unknown>)[k];
      if (v !== null) {
        if (numeric[j]) {
          if (typeof v !== 'number' || !Number.isFinite(v)) return false;
        } else if (typeof v !== 'string' || v.length > MAX_CATEGORY_LENGTH) return false;
      }
      j++;
    }
    return j === n;
  };
  return (body) => {
    if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype) return undefined;
    let keys = 0;
    for (const k in body) {
      if (k !== 'instances') return undefined;
      keys++;
    }
    const rows = (body as { instances?: unknown }).instances;
    if (keys !== 1 || !Array.isArray(rows) || rows.length < 1 || rows.length > maxRows) return undefined;
    for (let i = 0; i < rows.length; i++) if (!rowOk(rows[i])) return undefined;
    return body as PredictRequest;
  };
}
