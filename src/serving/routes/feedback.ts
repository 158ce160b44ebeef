// Ground truth in: POST /v1/feedback (served model) and /v1/models/{name}/feedback, {"labels":[{"id","label"}]}, idempotent.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { z } from 'zod';
import { LabelWriter, labelsPrefix, type LabelRecord } from '../../feedback/label-writer';
import type { ArtifactStore } from '../../store';
import { CaptureUploader } from '../capture-upload';
import { HttpError, parseOr400, type Issue } from '../../http/errors';
import { labelChecker, type LabelTask } from '../../feedback/label-value';
import { servedTaskOf } from '../task-output';
import { InferenceId, ModelParams, errorResponses, jsonSchema } from '../schemas';
import type { Guard } from './guard';

/** Labels one call may carry. */
export const MAX_LABELS_PER_CALL = 10_000;
/** 10,000 labels with long ids fit; the service-wide body limit is sized for predictions. */
const FEEDBACK_BODY_LIMIT = 8 * 1024 * 1024;

/** One label: the inference id a prediction returned, and the true class. */
export const LabelEntry = z.strictObject(
  {
    id: InferenceId,
    label: z.union([z.literal(0), z.literal(1)], { error: 'must be 0 or 1' }),
  },
  { error: (iss) => (iss.code === 'invalid_type' ? 'must be an object {"id": "...", "label": 0|1}' : undefined) },
);

/** One label of a regression or multiclass model: the value is checked against the model's task (label-value). */
const AnyLabelEntry = z.strictObject(
  {
    id: InferenceId,
    label: z.union([z.number(), z.string(), z.boolean()], { error: (iss) => (iss.input === undefined ? 'required' : 'must be a number (regression) or one of the classes (multiclass)') }),
  },
  { error: (iss) => (iss.code === 'invalid_type' ? 'must be an object {"id": "...", "label": <value>}' : undefined) },
);

/** The body's shape; entries are checked one by one, so one bad entry never costs the others. */
export const FeedbackRequest = z
  .strictObject(
    {
      labels: z
        .array(z.unknown(), { error: (iss) => (iss.input === undefined ? 'required' : 'must be an array of {"id","label"} objects') })
        .min(1, 'must hold at least one label')
        .max(MAX_LABELS_PER_CALL, `must hold at most ${MAX_LABELS_PER_CALL} labels; split larger uploads`),
    },
    { error: (iss) => (iss.code === 'invalid_type' ? 'body must be a JSON object {"labels": [...]}' : undefined) },
  )
  .meta({ title: 'FeedbackRequest', description: '{"labels": [{"id": "<inference id>", "label": 0|1 | <number> | <class>}, ...]}, at most 10,000' });

export const FeedbackResponse = z
  .object({
    model: z.string(),
    accepted: z.number().int().meta({ description: 'Labels stored: new ids, or a new label for a known id' }),
    duplicates: z.number().int().meta({ description: 'The same label again for an id: nothing stored' }),
    relabeled: z.number().int().meta({ description: 'Of the accepted, those that replace an earlier label (the latest wins; both are kept)' }),
    malformed: z.array(z.object({ index: z.number().int(), reason: z.string() })).meta({ description: 'Entries not stored, each with its index in "labels" and why' }),
  })
  .meta({ title: 'FeedbackResponse' });
export type FeedbackResponse = z.infer<typeof FeedbackResponse>;

function reasonOf(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}` : `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`))
    .join('; ');
}

/** Splits entries into valid labels and named malformed ones (binary models). */
export function checkEntries(entries: readonly unknown[]): { labels: LabelRecord[]; malformed: FeedbackResponse['malformed'] } {
  const labels: LabelRecord[] = [];
  const malformed: FeedbackResponse['malformed'] = [];
  for (let i = 0; i < entries.length; i++) {
    const r = LabelEntry.safeParse(entries[i]);
    if (r.success) labels.push(r.data);
    else malformed.push({ index: i, reason: reasonOf(r.error) });
  }
  return { labels, malformed };
}

/**
 * Entries of a regression or multiclass model: malformed ones (no id, unknown fields) are named as for binary; a label
 * value that is not of the model's task (not a number; not one of the classes) fails the whole call with a 400 that names
 * each bad value and what the model takes, since it is a client mistake that would repeat on every entry.
 */
export function checkTaskEntries(entries: readonly unknown[], task: LabelTask): { labels: LabelRecord[]; malformed: FeedbackResponse['malformed'] } {
  const check = labelChecker(task);
  const labels: LabelRecord[] = [];
  const malformed: FeedbackResponse['malformed'] = [];
  const issues: Issue[] = [];
  for (let i = 0; i < entries.length; i++) {
    const r = AnyLabelEntry.safeParse(entries[i]);
    if (!r.success) {
      malformed.push({ index: i, reason: reasonOf(r.error) });
      continue;
    }
    const c = check(r.data.label);
    if (c.ok) labels.push({ id: r.data.id, label: c.label });
    else if (issues.length < 20) issues.push({ path: `labels.${i}.label`, message: c.reason.replace(/^label: /, '') });
    else break;
  }
  if (issues.length > 0)
    throw new HttpError(400, `invalid labels for a ${task.task} model: ${issues[0].message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}; nothing was stored`, issues);
  return { labels, malformed };
}

export interface FeedbackOptions {
  guard: Guard;
  /** Root of the label files (<dir>/<model>/): the store's own labels/ folder when it is local, else a spool. */
  labelsDir: string;
  /** Ship the spool's files to the store as labels/<model>/<file> (the capture uploader), when the store is not that folder. */
  upload?: { store: ArtifactStore; intervalMs: number };
  instance?: string;
}

// eslint-disable-next-line @typescript-eslint/require-await -- Fastify registers a plugin that returns a promise as an async plugin; this one needs no await
export async function feedbackRoutes(app: FastifyInstance, opts: FeedbackOptions): Promise<void> {
  const { config, modelName, metrics, repository, registry, log } = { ...app.serving, log: app.log };
  const labelsRoot = opts.labelsDir;
  const { upload } = opts;
  const counted = new Counter({
    name: 'feedback_labels_total',
    help: 'Labels received on the feedback API, by outcome (accepted, duplicate, malformed, refused = buffer full)',
    labelNames: ['model', 'outcome'] as const,
    registers: [metrics.registry],
  });
  const writeFailed = new Counter({
    name: 'feedback_labels_write_failed_total',
    help: 'Labels refused with 503 because their write failed (none was acknowledged)',
    labelNames: ['model'] as const,
    registers: [metrics.registry],
  });
  const writers = new Map<string, LabelWriter>();
  const indexGauge = (name: string, help: string, read: (w: LabelWriter) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['model'] as const,
      registers: [metrics.registry],
      collect() {
        for (const [model, w] of writers) this.set({ model }, read(w));
      },
    });
  indexGauge('feedback_label_index_bytes', 'Bytes the duplicate index of labels takes now (at most LABEL_INDEX_MB)', (w) => w.index.bytes);
  indexGauge('feedback_label_index_entries', 'Label digests the duplicate index holds', (w) => w.index.entries);
  indexGauge('feedback_label_index_fullness', 'Share (0-1) of the duplicate index in use; at 1 the least recently labeled ids are forgotten', (w) => w.index.fullness);
  const uploaders: CaptureUploader[] = [];
  const writerFor = (model: string): LabelWriter => {
    let w = writers.get(model);
    if (!w) {
      w = new LabelWriter({
        dir: labelsRoot,
        model,
        flushMs: config.CAPTURE_FLUSH_MS,
        bufferRecords: config.CAPTURE_BUFFER_RECORDS,
        maxFileBytes: config.CAPTURE_MAX_FILE_BYTES,
        indexMaxBytes: config.LABEL_INDEX_MB * 1024 * 1024,
        log,
        onWriteFailed: (rows) => writeFailed.inc({ model }, rows),
        ...(opts.instance ? { instance: opts.instance } : {}),
        // labels shipped from the spool are no longer there: the duplicate index also reads the store's objects
        ...(upload ? { store: upload.store } : {}),
      });
      writers.set(model, w);
      if (upload) {
        const writer = w;
        const uploader = new CaptureUploader({
          store: upload.store,
          folder: w.folder,
          prefix: labelsPrefix(model),
          intervalMs: upload.intervalMs,
          openFile: () => writer.openFile,
          log,
          what: 'label',
        });
        uploader.start();
        uploaders.push(uploader);
      }
    }
    return w;
  };
  // The served model's index loads while the service starts, not on the first call.
  writerFor(modelName)
    .ready()
    .catch((err: unknown) => log.error({ err }, 'labels folder is not usable; feedback answers 503 until it is'));
  app.addHook('onClose', async () => {
    await Promise.all([...writers.values()].map((w) => w.close()));
    // after the writers closed: the uploaders ship the last lines of every file
    await Promise.all(uploaders.map((u) => u.close()));
  });

  /** The task labels are checked against: the loaded champion's, else the registry champion's metadata (labels come for unloaded models too). */
  const taskOf = async (model: string): Promise<LabelTask> => {
    const loaded = repository.current(model);
    if (loaded) return loaded.task;
    try {
      const version = await registry.alias(model, 'champion');
      if (version === undefined) return { task: 'binary' };
      return servedTaskOf(undefined, await registry.metadata(model, version));
    } catch (err) {
      log.warn({ err, model }, 'could not read the model task for feedback');
      throw new HttpError(503, `the task of model "${model}" could not be read from the registry; retry later`, undefined, { 'retry-after': '5' });
    }
  };

  const handle = async (model: string, request: FastifyRequest): Promise<FeedbackResponse> => {
    // Any model of the repository, loaded or not: labels often arrive long after a model was unloaded.
    if (!repository.has(model)) throw repository.unknown(model);
    const body = parseOr400(FeedbackRequest, request.body, 'feedback body');
    const task = await taskOf(model);
    const { labels, malformed } = task.task === 'binary' ? checkEntries(body.labels) : checkTaskEntries(body.labels, task);
    const writer = writerFor(model);
    try {
      await writer.ready();
    } catch {
      throw new HttpError(503, 'the labels folder is not writable; see the service log', undefined, { 'retry-after': '5' });
    }
    let outcome: Awaited<ReturnType<LabelWriter['submit']>>;
    try {
      outcome = await writer.submit(labels, request.principal?.id ?? '', request.principal?.role === 'admin');
    } catch {
      // nothing of this call is acknowledged or indexed: the resend is taken
      throw new HttpError(503, 'the labels could not be written; nothing was stored, retry later (resending is safe)', undefined, { 'retry-after': '1' });
    }
    if (!outcome) {
      counted.inc({ model, outcome: 'refused' }, labels.length);
      throw new HttpError(503, 'label buffer is full; nothing was stored, retry later (resending is safe)', undefined, { 'retry-after': '1' });
    }
    counted.inc({ model, outcome: 'accepted' }, outcome.accepted);
    counted.inc({ model, outcome: 'duplicate' }, outcome.duplicates);
    counted.inc({ model, outcome: 'malformed' }, malformed.length);
    return { model, ...outcome, malformed };
  };

  const schema = {
    tags: ['feedback'],
    security: [{ bearer: [] }, { apiKey: [] }] as Array<Record<string, string[]>>,
    description:
      'Body: {"labels": [{"id": "<inference id>", "label": <label>}, ...]}, at most 10,000. The label is 0 or 1 for a binary model, a number for a regression model, one of the classes for a multiclass model (a label of another kind: 400 naming it and the classes; GET /v1/models/{name} lists them). Ground truth for earlier predictions, by the inference ids they returned. Idempotent: the same id and label again is a duplicate; a different label for an id replaces it (both are kept). A label applies to the predictions of the key that sends it (labels from an admin key apply to any key), so one client cannot relabel the predictions of another. Ids never predicted are kept and reported as unmatched by the quality monitor. Answered only once the labels are written and synced to disk; a 503 means nothing was stored.',
    response: { 200: jsonSchema(FeedbackResponse), ...errorResponses(400, 401, 404, 413, 415, 429, 503) },
  };
  app.post('/v1/feedback', { ...opts.guard, bodyLimit: FEEDBACK_BODY_LIMIT, schema: { ...schema, summary: 'Send true labels for predictions of the served model' } }, async (request) =>
    handle(modelName, request),
  );
  app.post(
    '/v1/models/:name/feedback',
    { ...opts.guard, bodyLimit: FEEDBACK_BODY_LIMIT, schema: { ...schema, summary: 'Send true labels for predictions of model {name}', params: jsonSchema(ModelParams) } },
    async (request) => handle((request.params as { name: string }).name, request),
  );
}
